package web

import (
	"net/http"
	"time"
)

// Languages the pages are written in; zh is the default.
const (
	langZH = "zh"
	langEN = "en"
)

// langCookie remembers the language chosen with ?lang=.
const langCookie = "vm_lang"

// messages is the one catalogue of every string a page shows, by language
// then key. A key missing in English falls back to Chinese; one missing in
// both shows the key (and the catalogue test fails).
var messages = map[string]map[string]string{
	langZH: {
		"app.name":           "志愿服务供需对接",
		"lang.switch":        "English",
		"nav.home":           "首页",
		"nav.needs":          "我的需求",
		"nav.menu":           "我的菜单",
		"nav.dashboard":      "评估看板",
		"nav.signout":        "退出登录",
		"nav.skip":           "跳到正文",
		"role.admin":         "管理员",
		"role.social_worker": "社工",
		"role.volunteer":     "志愿者",
		"role.planner":       "规划人员",
		"signin.title":       "登录",
		"signin.intro":       "请输入管理员发给您的一次性登录码。登录码只能使用一次。",
		"signin.code":        "登录码",
		"signin.code.hint":   "以 vm_ 开头，例如 vm_3f9a…",
		"signin.submit":      "登录",
		"signin.bad":         "登录码无效、已经用过或已过期。请向管理员索取新的登录码。",
		"signin.empty":       "请填写登录码。",
		"signin.expired":     "您的登录已过期，请重新登录。",
		"signin.out":         "您已退出登录。",
		"home.title":         "首页",
		"home.planner":       "全流程评估看板展示需求、匹配、服务与评价的汇总数据。",
		"home.dashboard":     "打开评估看板",
		"home.admin":         "管理员可以查看所有需求，并在命令行签发登录码。",
		"needs.title":        "本机构的需求",
		"needs.empty":        "还没有发布需求。",
		"needs.col.title":    "需求",
		"needs.col.mode":     "服务方式",
		"needs.col.status":   "状态",
		"needs.col.shifts":   "班次与报名情况",
		"needs.filled":       "已满",
		"needs.open":         "缺 %d 人",
		"needs.slots":        "%d/%d 人",
		"mode.concentrated":  "集中服务",
		"mode.pairing":       "结对服务",
		"mode.menu":          "菜单式服务",
		"status.open":        "招募中",
		"status.closed":      "已结束",
		"status.cancelled":   "已取消",
		"menu.title":         "我的服务菜单",
		"menu.intro":         "以下服务离您近、符合您的技能和空闲时间。",
		"menu.empty":         "暂时没有适合您的服务，请稍后再来看看。",
		"menu.km":            "约 %.1f 公里",
		"menu.when":          "时间",
		"menu.where":         "距离",
		"error.title":        "出错了",
		"error.forbidden":    "您的账号没有权限查看此页面。",
		"error.notfound":     "找不到此页面。",
		"error.csrf":         "表单已失效，请返回页面后重新提交。",
		"error.internal":     "服务暂时出现问题，请稍后再试。",
		"error.back":         "返回首页",
		"day.format":         "1月2日",

		// The volunteer's pages (menu sign-up, invitations, shifts).
		"nav.invitations":        "邀请",
		"nav.shifts":             "我的服务",
		"menu.why":               "推荐理由",
		"menu.signup":            "报名",
		"menu.held":              "已报名",
		"menu.invited":           "由机构邀请，无需报名",
		"why.skill_fit":          "技能对口",
		"why.distance":           "离您近（约 %.1f 公里）",
		"why.availability_slack": "您这个时段有空",
		"why.reliability":        "您一向守时守约",
		"why.load":               "您近期任务不多",
		"why.domain_preference":  "是您喜欢的服务类型",
		"why.sep":                "，",
		"flash.reserved":         "报名成功，名额已为您保留。可在“我的服务”中查看。",
		"flash.requested":        "报名已提交，等待机构审核。审核结果会出现在“邀请”页。",
		"flash.accepted":         "已接受邀请，名额已为您保留。可在“我的服务”中查看。",
		"flash.declined":         "已婉拒这项邀请。",
		"flash.withdrawn":        "已撤回报名申请。",
		"refused.full":           "很抱歉，这个班次已经满员了。请看看其他班次。",
		"refused.held":           "您已经报名了这个班次，无需重复报名。",
		"refused.clash":          "这个班次与您已报名的另一项服务时间冲突。",
		"refused.begun":          "这个班次已经开始，不能再报名或接受了。",
		"refused.gate":           "您暂时不符合这项服务的要求（如技能、证书、培训或保险），请先完善资料或参加培训。",
		"refused.notmenu":        "这项服务由机构邀请，不能直接报名。",
		"refused.closed":         "这项服务已经结束或取消。",
		"refused.answered":       "这项邀请已经答复过或已失效。",
		"refused.other":          "操作没有成功，请刷新页面后再试。",
		"invite.title":           "给我的邀请",
		"invite.empty":           "目前没有待回复的邀请。",
		"invite.place":           "地点",
		"invite.ranked":          "为您推荐（匹配排名第 %d，得分 %.2f）",
		"invite.chosen":          "机构特别邀请您",
		"invite.request":         "您的报名申请，等待机构审核",
		"invite.accept":          "接受",
		"invite.decline":         "婉拒",
		"invite.withdraw":        "撤回申请",
		"shifts.title":           "我的服务",
		"shifts.star":            "星级志愿者",
		"shifts.level":           "%d 星",
		"shifts.hours":           "累计服务时长 %.1f 小时",
		"shifts.next":            "再服务 %.1f 小时升到下一星级（%.0f 小时）",
		"shifts.top":             "您已达到最高星级，感谢您的奉献！",
		"shifts.upcoming":        "即将开始",
		"shifts.past":            "已经过去",
		"shifts.none":            "还没有即将开始的服务。去“我的菜单”报名吧。",
		"shifts.nopast":          "还没有服务记录。",
		"shifts.ics":             "加入日历（.ics）",
		"shifts.status":          "状态",
		"shifts.recorded":        "记录时长",
		"shifts.h":               "%.1f 小时",
		"assign.reserved":        "已报名",
		"assign.checked_in":      "服务中",
		"assign.completed":       "已完成",
		"assign.no_show":         "未到场",
		"assign.cancelled":       "已取消",
	},
	langEN: {
		"app.name":           "Volunteer matching",
		"lang.switch":        "中文",
		"nav.home":           "Home",
		"nav.needs":          "My needs",
		"nav.menu":           "My menu",
		"nav.dashboard":      "Dashboard",
		"nav.signout":        "Sign out",
		"nav.skip":           "Skip to content",
		"role.admin":         "Admin",
		"role.social_worker": "Social worker",
		"role.volunteer":     "Volunteer",
		"role.planner":       "Planner",
		"signin.title":       "Sign in",
		"signin.intro":       "Enter the one-time sign-in code an admin gave you. A code works once.",
		"signin.code":        "Sign-in code",
		"signin.code.hint":   "Starts with vm_, e.g. vm_3f9a…",
		"signin.submit":      "Sign in",
		"signin.bad":         "This code is not valid, was used already or has expired. Ask an admin for a new one.",
		"signin.empty":       "Enter your sign-in code.",
		"signin.expired":     "Your session has ended; please sign in again.",
		"signin.out":         "You are signed out.",
		"home.title":         "Home",
		"home.planner":       "The evaluation dashboard shows needs, matches, service and ratings in aggregate.",
		"home.dashboard":     "Open the dashboard",
		"home.admin":         "Admins see every need and issue sign-in codes from the command line.",
		"needs.title":        "Our organisation's needs",
		"needs.empty":        "No needs posted yet.",
		"needs.col.title":    "Need",
		"needs.col.mode":     "Mode",
		"needs.col.status":   "Status",
		"needs.col.shifts":   "Shifts and sign-ups",
		"needs.filled":       "full",
		"needs.open":         "%d to go",
		"needs.slots":        "%d/%d",
		"mode.concentrated":  "Concentrated",
		"mode.pairing":       "Pairing",
		"mode.menu":          "Menu",
		"status.open":        "Recruiting",
		"status.closed":      "Closed",
		"status.cancelled":   "Cancelled",
		"menu.title":         "My service menu",
		"menu.intro":         "Services near you that fit your skills and free time.",
		"menu.empty":         "Nothing fits you right now; please look again later.",
		"menu.km":            "about %.1f km",
		"menu.when":          "When",
		"menu.where":         "Distance",
		"error.title":        "Something went wrong",
		"error.forbidden":    "Your account may not see this page.",
		"error.notfound":     "There is no such page.",
		"error.csrf":         "The form has expired; go back and send it again.",
		"error.internal":     "The service has a problem; please try again later.",
		"error.back":         "Back to the home page",
		"day.format":         "Jan 2",

		// The volunteer's pages (menu sign-up, invitations, shifts).
		"nav.invitations":        "Invitations",
		"nav.shifts":             "My shifts",
		"menu.why":               "Why you",
		"menu.signup":            "Sign up",
		"menu.held":              "Signed up",
		"menu.invited":           "By invitation of the organisation",
		"why.skill_fit":          "your skills fit",
		"why.distance":           "close to you (about %.1f km)",
		"why.availability_slack": "you are free then",
		"why.reliability":        "you keep your word",
		"why.load":               "you have little on lately",
		"why.domain_preference":  "a kind of service you like",
		"why.sep":                ", ",
		"flash.reserved":         "You are signed up; the place is yours. See it under My shifts.",
		"flash.requested":        "Sign-up sent; the organisation will approve it. The answer shows under Invitations.",
		"flash.accepted":         "Invitation accepted; the place is yours. See it under My shifts.",
		"flash.declined":         "Invitation declined.",
		"flash.withdrawn":        "Sign-up request withdrawn.",
		"refused.full":           "Sorry, this shift is full. Please look at another one.",
		"refused.held":           "You are already signed up for this shift.",
		"refused.clash":          "This shift clashes with another one you signed up for.",
		"refused.begun":          "This shift has begun; it can no longer be taken.",
		"refused.gate":           "You do not meet this service's requirements yet (skills, certificates, training or insurance).",
		"refused.notmenu":        "The organisation invites volunteers for this service; it takes no sign-ups.",
		"refused.closed":         "This service has closed or was cancelled.",
		"refused.answered":       "This invitation was answered already or has lapsed.",
		"refused.other":          "That did not work; please reload the page and try again.",
		"invite.title":           "My invitations",
		"invite.empty":           "No invitations are waiting for you.",
		"invite.place":           "Where",
		"invite.ranked":          "Recommended for you (rank %d, score %.2f)",
		"invite.chosen":          "The organisation chose you",
		"invite.request":         "Your sign-up, awaiting the organisation's approval",
		"invite.accept":          "Accept",
		"invite.decline":         "Decline",
		"invite.withdraw":        "Withdraw",
		"shifts.title":           "My shifts",
		"shifts.star":            "Star volunteer",
		"shifts.level":           "%d stars",
		"shifts.hours":           "%.1f hours of service in all",
		"shifts.next":            "%.1f more hours to the next star (%.0f h)",
		"shifts.top":             "You have reached the top star level. Thank you!",
		"shifts.upcoming":        "Coming up",
		"shifts.past":            "Past",
		"shifts.none":            "No shifts coming up. Sign up from My menu.",
		"shifts.nopast":          "No service recorded yet.",
		"shifts.ics":             "Add to calendar (.ics)",
		"shifts.status":          "Status",
		"shifts.recorded":        "Hours",
		"shifts.h":               "%.1f h",
		"assign.reserved":        "Signed up",
		"assign.checked_in":      "Serving",
		"assign.completed":       "Completed",
		"assign.no_show":         "Did not come",
		"assign.cancelled":       "Cancelled",
	},
}

// msg returns the message of key in lang.
func msg(lang, key string) string {
	if m, ok := messages[lang][key]; ok {
		return m
	}
	if m, ok := messages[langZH][key]; ok {
		return m
	}
	return key
}

// weekdays are the days of the week by language, Sunday first.
var weekdays = map[string][7]string{
	langZH: {"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
	langEN: {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
}

// language returns the page language of r and, when the query chose one,
// remembers it in a cookie.
func language(w http.ResponseWriter, r *http.Request, secure bool) string {
	switch q := r.URL.Query().Get("lang"); q {
	case langZH, langEN:
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && c.Value == langEN {
		return langEN
	}
	return langZH
}
