package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"volmatch"
	"volmatch/engine"
)

// Placement history: the organisation's past placements (completed,
// no-show, cancelled) with hours and ratings, newest shift first, of one
// month (Beijing time) or of all time, 20 to a page, with the totals of
// the period (engine.History).

// historyPage is how many placements a page lists.
const historyPage = 20

// historyRow is a placement as the page lists it.
type historyRow struct {
	Need, NeedID, Name, Shift, Status, StatusKey, Hours string
	Rating                                              int
}

// historyData is the page.
type historyData struct {
	Month                         string // "2026-11", "" for all time
	MonthError                    string
	Rows                          []historyRow
	Total, Page, Pages            int
	Completed, NoShows, Cancelled int
	Hours, Rating                 string
	Prev, Next                    string // links, "" when none
}

// historyRoutes registers the page.
func (s *Server) historyRoutes() {
	s.mux.Handle("GET /web/history", s.page(socialWorkers, s.historyPage))
}

func (s *Server) historyPage(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	d := historyData{Month: q.Get("month"), Page: 1}
	f := engine.HistoryFilter{Limit: historyPage}
	status := http.StatusOK
	if d.Month != "" {
		m, err := time.ParseInLocation("2006-01", d.Month, volmatch.Beijing)
		if err != nil || m.Year() < 2000 || m.Year() > 2100 {
			d.MonthError, d.Month, status = msg(r.lang, "history.err.month"), "", http.StatusUnprocessableEntity
		} else {
			f.From, f.To = m, m.AddDate(0, 1, 0)
		}
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 && p <= 1_000_000 {
		d.Page = p
	}
	f.Offset = (d.Page - 1) * historyPage
	h, err := s.eng.History(r.Context(), r.tok, f)
	if err != nil {
		s.fail(w, r.Request, r.lang, err)
		return
	}
	d.Total, d.Completed, d.NoShows, d.Cancelled = h.Total, h.Completed, h.NoShows, h.Cancelled
	d.Hours = hoursText(float64(int(h.Hours*100+0.5)) / 100)
	if h.Rated > 0 {
		d.Rating = fmt.Sprintf("%.1f", float64(h.RatingSum)/float64(h.Rated))
	}
	d.Pages = max((h.Total+historyPage-1)/historyPage, 1)
	link := func(page int) string {
		v := url.Values{"page": {strconv.Itoa(page)}}
		if d.Month != "" {
			v.Set("month", d.Month)
		}
		return "/web/history?" + v.Encode()
	}
	if d.Page > 1 {
		d.Prev = link(min(d.Page-1, d.Pages))
	}
	if d.Page < d.Pages {
		d.Next = link(d.Page + 1)
	}
	ctx := r.Context()
	needs := map[string]*volmatch.Need{}
	for _, a := range h.Placements {
		n, ok := needs[a.Need]
		if !ok {
			n, _ = s.eng.Need(ctx, r.tok, a.Need) // a deleted need leaves its ID
			needs[a.Need] = n
		}
		row := historyRow{NeedID: a.Need, Need: a.Need, Status: msg(r.lang, "assign."+string(a.Status)), StatusKey: string(a.Status), Rating: a.Rating}
		if n != nil {
			row.Need = n.Title
		}
		row.Shift = shiftText(r.lang, volmatch.Shift{Start: a.Start, End: a.End})
		v, _ := s.eng.Volunteer(ctx, r.tok, a.Volunteer)
		row.Name = maskedName(r.lang, v)
		if a.Status == volmatch.AssignCompleted {
			row.Hours = hoursText(a.Hours)
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r.Request, status, "history", r.view("history.title", d))
}

func init() {
	for k, v := range map[string]string{
		"nav.history":         "历史安排",
		"history.title":       "历史安排",
		"history.month":       "月份",
		"history.month.hint":  "格式如 2026-11；不填显示全部。",
		"history.filter":      "筛选",
		"history.all":         "全部月份",
		"history.err.month":   "月份格式应为 年-月，例如 2026-11。",
		"history.total":       "共 %d 条记录",
		"history.completed":   "已完成",
		"history.noshow":      "未到",
		"history.cancelled":   "已取消",
		"history.hours":       "服务总时长",
		"history.hours.v":     "%s 小时",
		"history.rating":      "平均评分",
		"history.rating.none": "暂无评分",
		"history.col.shift":   "班次",
		"history.col.need":    "需求",
		"history.col.name":    "志愿者",
		"history.col.status":  "结果",
		"history.col.hours":   "时长",
		"history.col.rating":  "评分",
		"history.empty":       "这段时间没有已结束的服务记录。",
		"history.prev":        "上一页",
		"history.next":        "下一页",
		"history.page":        "第 %d / %d 页",
		"history.stars":       "%d 星",
	} {
		messages[langZH][k] = v
	}
	for k, v := range map[string]string{
		"nav.history":         "History",
		"history.title":       "Past placements",
		"history.month":       "Month",
		"history.month.hint":  "Such as 2026-11; empty for all.",
		"history.filter":      "Filter",
		"history.all":         "All months",
		"history.err.month":   "Give the month as year-month, such as 2026-11.",
		"history.total":       "Placements: %d",
		"history.completed":   "Completed",
		"history.noshow":      "Did not come",
		"history.cancelled":   "Cancelled",
		"history.hours":       "Hours served",
		"history.hours.v":     "%s h",
		"history.rating":      "Average rating",
		"history.rating.none": "No rating yet",
		"history.col.shift":   "Shift",
		"history.col.need":    "Need",
		"history.col.name":    "Volunteer",
		"history.col.status":  "Outcome",
		"history.col.hours":   "Hours",
		"history.col.rating":  "Rating",
		"history.empty":       "No placement ended in this period.",
		"history.prev":        "Previous",
		"history.next":        "Next",
		"history.page":        "Page %d of %d",
		"history.stars":       "%d stars",
	} {
		messages[langEN][k] = v
	}
}
