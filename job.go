package volmatch

import "time"

// Job is a long write carried out in the background with a status of its
// own (a batch commit of many reservations): the request that starts it
// answers at once with the job, and its creator reads the status at
// /v1/jobs/{id}. A job writes in chunks, each all or nothing; a failed
// chunk stops it, and the status says how many items were committed (the
// first Committed of the job's items, in order) and which chunk failed.
type Job struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // "batch"
	// Owner is the token hash of the caller that started the job.
	Owner  string    `json:"-"`
	Status JobStatus `json:"status"`
	// Total is the number of items (reservations) to write; Committed how
	// many are written, always a whole number of chunks.
	Total     int `json:"total"`
	Committed int `json:"committed"`
	ChunkSize int `json:"chunk_size"`
	Chunks    int `json:"chunks"`
	// FailedChunk is the index of the chunk that failed (-1 when none);
	// its items are FailedFrom to FailedFrom+ChunkSize-1.
	FailedChunk int `json:"failed_chunk"`
	// Error is the refusal of the failed chunk, its code, field (the item,
	// as "placements[i]") and message.
	Error     *JobError `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Assignments are the IDs of the assignments made, in item order.
	Assignments []string `json:"assignments,omitempty"`
}

// MaxReserve is the most reservations one store write (Reserve) takes:
// about a tenth of a second of work on an idle server (the Redis script's
// time is measured by store/redis TestReserveScriptTime), so that no write
// holds the bbolt writer lock or a Redis script for long. A longer commit
// is a job of chunks of at most MaxReserve.
const MaxReserve = 1000

// CheckReserveSize refuses a Reserve of more than MaxReserve reservations
// (EINVALID).
func CheckReserveSize(n int) error {
	if n > MaxReserve {
		return FieldError("reservations", "at most %d reservations in one write, got %d; commit in chunks", MaxReserve, n)
	}
	return nil
}

// JobStatus is where a job is.
type JobStatus string

// Job statuses.
const (
	JobRunning   JobStatus = "running"
	JobSucceeded JobStatus = "succeeded"
	JobFailed    JobStatus = "failed"
)

// Finished reports whether the job will not change again.
func (j *Job) Finished() bool { return j.Status == JobSucceeded || j.Status == JobFailed }

// JobError is the refusal that stopped a job.
type JobError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}
