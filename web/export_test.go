package web

import "time"

// Refusal and StepError are the mappings of engine refusals to message
// keys and sentences, for web_test; Msg is the message of a key.
var (
	Refusal   = refusal
	StepError = stepError
	Msg       = msg
	QRSVG     = qrSVG
)

// LangZH is the Chinese language code.
const LangZH = langZH

// SetHeartbeat sets the live stream's heartbeat interval and returns the
// function that restores it.
func SetHeartbeat(d time.Duration) func() {
	old := heartbeat
	heartbeat = d
	return func() { heartbeat = old }
}

// SetStreamWrite sets the live stream's write deadline and returns the
// function that restores it.
func SetStreamWrite(d time.Duration) func() {
	old := streamWrite
	streamWrite = d
	return func() { streamWrite = old }
}

// Routes returns the patterns s serves ("GET /web/needs/{id}"), in the
// order registered.
func Routes(s *Server) []string { return append([]string(nil), s.mux.patterns...) }
