// The planner dashboard: reads the evaluation API and draws it with ECharts.
// The bearer token comes from the URL fragment (#token=..., never sent to the
// server in a URL) or the sign-in form, and is kept in sessionStorage.
(function () {
  'use strict';

  var I18N = {
    zh: {
      title: '志愿服务全流程评估', from: '开始', to: '结束', district: '区', domain: '领域', all: '全部',
      apply: '应用', switch: 'English', token: '访问令牌', signin: '进入', funnel: '需求漏斗', weekly: '每周趋势',
      map: '各区', fillRate: '补位率', unfilled: '未满足名额', gaps: '供需缺口（区 × 时段，未满足名额）',
      ranking: '推荐质量：各名次接受率', fairness: '公平：星级分布与时长集中度',
      footer: '数据来自事件日志；不含任何个人信息。地图边界：Vonng/adcode (CC BY 4.0)。',
      loading: '加载中…', loaded: '已更新', needToken: '请输入规划人员或管理员的访问令牌', failed: '加载失败：',
      k_needs: '发布需求', k_fill: '补位率', k_completion: '完成率', k_noshow: '爽约率', k_rating: '平均评分',
      k_hours: '服务时长（小时）', k_active: '活跃志愿者', k_gini: '时长基尼系数', k_ndcg: 'NDCG@10', k_fill_time: '补满用时中位数（小时）',
      posted: '发布', filled: '已补位名额', completed: '完成服务', hoursAxis: '服务时长', acceptRate: '接受率',
      rank: '名次', stars: '星', noStar: '无星', volunteers: '志愿者人数', ndcgLine: 'NDCG@10',
      hoursShare: '服务时长占比', topDecile: '前10%志愿者', restOf: '其余90%',
      suppressed: '少于{k}人', suppressedNote: '涉及人数少于{k}人的数字不显示（最小人群规模）。'
    },
    en: {
      title: 'Volunteer service: full-process evaluation', from: 'From', to: 'To', district: 'District', domain: 'Domain', all: 'All',
      apply: 'Apply', switch: '中文', token: 'Access token', signin: 'Sign in', funnel: 'Need funnel', weekly: 'Weekly trends',
      map: 'Districts', fillRate: 'Fill rate', unfilled: 'Unfilled slots', gaps: 'Supply–demand gaps (district × time of week, unfilled slots)',
      ranking: 'Ranking quality: acceptance by position', fairness: 'Fairness: star levels and concentration of hours',
      footer: 'Figures come from the event log; no personal data. Boundaries: Vonng/adcode (CC BY 4.0).',
      loading: 'Loading…', loaded: 'Updated', needToken: 'Enter a planner or admin access token', failed: 'Failed to load: ',
      k_needs: 'Needs posted', k_fill: 'Fill rate', k_completion: 'Completion rate', k_noshow: 'No-show rate', k_rating: 'Mean rating',
      k_hours: 'Hours delivered', k_active: 'Active volunteers', k_gini: 'Gini of hours', k_ndcg: 'NDCG@10', k_fill_time: 'Median hours to fill',
      posted: 'Posted', filled: 'Slots filled', completed: 'Completed', hoursAxis: 'Hours', acceptRate: 'Acceptance rate',
      rank: 'Rank', stars: 'stars', noStar: 'none', volunteers: 'Volunteers', ndcgLine: 'NDCG@10',
      hoursShare: 'Share of hours', topDecile: 'Top 10% of volunteers', restOf: 'Other 90%',
      suppressed: '<{k}', suppressedNote: 'Figures about fewer than {k} people are withheld (minimum group size).'
    }
  };

  // KPI cards: key, label key, the API path to the figure, its format.
  var KPIS = [
    ['needs_posted', 'k_needs', function (s) { return s.funnel.needs[0].count; }, 'int'],
    ['fill_rate', 'k_fill', function (s) { return s.rates.fill_rate; }, 'pct'],
    ['completion_rate', 'k_completion', function (s) { return s.rates.completion_rate; }, 'pct'],
    ['no_show_rate', 'k_noshow', function (s) { return s.rates.no_show_rate; }, 'pct'],
    ['mean_rating', 'k_rating', function (s) { return s.rates.satisfaction.mean; }, 'dec2'],
    ['hours', 'k_hours', function (s) { return s.hours.hours; }, 'dec1'],
    ['active_volunteers', 'k_active', function (s) { return s.hours.active_volunteers; }, 'int'],
    ['gini', 'k_gini', function (s) { return s.fairness.gini; }, 'dec3'],
    ['ndcg_at_k', 'k_ndcg', function (s) { return s.ranking.ndcg_at_k; }, 'dec3'],
    ['median_hours_to_fill', 'k_fill_time', function (s) { return s.funnel.time_to_fill.median_hours; }, 'dec1']
  ];

  // A figure about fewer people than the server's minimum group size comes
  // as null (and is named in its cell's "suppressed" list): it is shown as
  // "少于5人" / "<5", never as 0.
  function minGroup(s) { return (s && s.filter && s.filter.min_group) || 5; }
  function withheld(s) { return t('suppressed').replace('{k}', minGroup(s)); }
  function shown(x) { return x !== null && x !== undefined; }
  // num is x for a chart, or '-' (ECharts' missing value) when withheld.
  function num(x, f) { return shown(x) ? (f ? f(x) : x) : '-'; }

  var FORMAT = {
    int: function (x) { return String(Math.round(x)); },
    pct: function (x) { return (x * 100).toFixed(1) + '%'; },
    dec1: function (x) { return x.toFixed(1); },
    dec2: function (x) { return x.toFixed(2); },
    dec3: function (x) { return x.toFixed(3); }
  };
  window.volmatchFormat = FORMAT; // the browser test formats the API's figures the same way

  var lang = localStorage.getItem('volmatch.lang') || 'zh';
  var ref = { districts: [], domains: [] };
  var last = null; // the last summary, redrawn on a language switch
  var charts = {};

  function t(key) { return I18N[lang][key] || key; }
  function $(id) { return document.getElementById(id); }

  function token() {
    var m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem('volmatch.token', decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem('volmatch.token') || '';
  }

  function status(text, isError) {
    var s = $('status');
    s.textContent = text;
    s.className = isError ? 'error' : '';
  }

  function api(path) {
    return fetch(path, { headers: { Authorization: 'Bearer ' + token() } }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (p) {
          var err = new Error((p.title || r.status) + (p.detail ? ': ' + p.detail : ''));
          err.status = r.status;
          throw err;
        });
      }
      return r.json();
    });
  }

  function district(code) {
    for (var i = 0; i < ref.districts.length; i++) {
      if (ref.districts[i].code === code) return ref.districts[i];
    }
    return null;
  }

  // districtName is the district's name in the current language.
  function districtName(code) {
    var d = district(code);
    if (!d) return code;
    return lang === 'zh' || !d.name_en ? d.name : d.name_en;
  }

  // mapLabel turns a region name of the boundaries (Chinese) into the
  // current language.
  function mapLabel(name) {
    if (lang === 'zh') return name;
    for (var i = 0; i < ref.districts.length; i++) {
      if (ref.districts[i].name === name) return ref.districts[i].name_en || name;
    }
    return name;
  }

  function translate() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title') + ' · volmatch';
    var els = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < els.length; i++) els[i].textContent = t(els[i].getAttribute('data-i18n'));
    fillSelect($('f-domain'), ref.domains.map(function (d) { return [d.key, lang === 'zh' ? d.name : d.name_en]; }));
    fillSelect($('f-district'), ref.districts.map(function (d) { return [d.code, districtName(d.code)]; }));
  }

  function fillSelect(sel, options) {
    var keep = sel.value;
    while (sel.options.length > 1) sel.remove(1);
    options.forEach(function (o) {
      var opt = document.createElement('option');
      opt.value = o[0];
      opt.textContent = o[1];
      sel.appendChild(opt);
    });
    sel.value = keep;
  }

  function query() {
    var p = new URLSearchParams();
    if ($('f-from').value) p.set('from', $('f-from').value);
    if ($('f-to').value) p.set('to', $('f-to').value);
    if ($('f-district').value) p.set('district', $('f-district').value);
    if ($('f-domain').value) p.set('domain', $('f-domain').value);
    var s = p.toString();
    return s ? '?' + s : '';
  }

  function chart(id) {
    if (!charts[id]) {
      charts[id] = echarts.init($(id));
      charts[id].on('finished', function () { $(id).setAttribute('data-rendered', 'true'); });
    }
    return charts[id];
  }

  // render replaces a chart's option; data-rendered="true" comes back when
  // ECharts has finished drawing it.
  function render(id, option) {
    $(id).removeAttribute('data-rendered');
    chart(id).setOption(option, true);
  }

  function drawKPIs(s) {
    var box = $('kpis');
    box.textContent = '';
    KPIS.forEach(function (k) {
      var v = k[2](s);
      var card = document.createElement('div');
      card.className = 'card' + (shown(v) ? '' : ' suppressed');
      card.setAttribute('data-kpi', k[0]);
      card.setAttribute('data-format', k[3]);
      card.setAttribute('data-value', String(v));
      if (!shown(v)) {
        card.setAttribute('data-suppressed', 'true');
        card.title = t('suppressedNote').replace('{k}', minGroup(s));
      }
      var label = document.createElement('div');
      label.className = 'label';
      label.textContent = t(k[1]);
      var value = document.createElement('div');
      value.className = 'value';
      value.textContent = shown(v) ? FORMAT[k[3]](v) : withheld(s);
      card.appendChild(label);
      card.appendChild(value);
      box.appendChild(card);
    });
  }

  function drawFunnel(s) {
    render('c-funnel', {
      tooltip: { trigger: 'item', formatter: function (p) { return p.name + ': ' + (shown(p.data.count) ? p.data.count : withheld(s)); } },
      series: [{
        type: 'funnel', sort: 'none', left: '10%', width: '80%', minSize: '8%', gap: 2,
        label: { show: true, position: 'inside', formatter: function (p) { return p.name + ' ' + (shown(p.data.count) ? p.data.count : withheld(s)); } },
        // A withheld step keeps its place at the size of the last step shown.
        data: (function () {
          var size = 0;
          return s.funnel.needs.map(function (st) {
            if (shown(st.count)) size = st.count;
            return { name: label(st.label), value: size, count: st.count };
          });
        })()
      }]
    });
  }

  // label picks the Chinese or the English half of "中文 English" labels.
  function label(l) {
    var i = l.search(/[A-Za-z]/);
    if (i <= 0) return l;
    return lang === 'zh' ? l.slice(0, i).trim() : l.slice(i).trim();
  }

  function drawWeekly(s) {
    var w = s.weekly || [];
    render('c-weekly', {
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v === '-' || !shown(v) ? withheld(s) : v; } },
      legend: { top: 0 },
      grid: { left: 50, right: 50, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: w.map(function (x) { return x.week; }) },
      yAxis: [{ type: 'value' }, { type: 'value', name: t('hoursAxis') }],
      series: [
        { name: t('posted'), type: 'line', data: w.map(function (x) { return x.posted; }) },
        { name: t('filled'), type: 'line', data: w.map(function (x) { return num(x.filled); }) },
        { name: t('completed'), type: 'line', data: w.map(function (x) { return num(x.completed); }) },
        { name: t('hoursAxis'), type: 'bar', yAxisIndex: 1, data: w.map(function (x) { return num(x.hours, function (h) { return Math.round(h * 10) / 10; }); }) }
      ]
    });
  }

  function drawMap(s) {
    var metric = $('map-metric').value;
    var data = (s.gaps.districts || []).map(function (d) {
      var dd = district(d.district);
      var v = metric === 'fill_rate' ? d.fill_rate : d.unfilled;
      return { name: dd ? dd.name : d.district, value: shown(v) ? (metric === 'fill_rate' ? Math.round(v * 1000) / 10 : v) : NaN, suppressed: !shown(v),
        // A withheld district: no value on the colour scale (never the colour of 0), hatched grey.
        itemStyle: shown(v) ? undefined : { areaColor: '#cfd8dc' } };
    });
    var max = 1;
    data.forEach(function (d) { if (!d.suppressed) max = Math.max(max, d.value); });
    render('c-map', {
      tooltip: { trigger: 'item', formatter: function (p) {
        if (p.data && p.data.suppressed) return mapLabel(p.name) + ': ' + withheld(s);
        return mapLabel(p.name) + ': ' + (p.value === undefined || isNaN(p.value) ? '—' : p.value + (metric === 'fill_rate' ? '%' : ''));
      } },
      visualMap: {
        min: 0, max: metric === 'fill_rate' ? 100 : max, calculable: true, left: 10, bottom: 10,
        inRange: { color: metric === 'fill_rate' ? ['#b71c1c', '#fbc02d', '#2e7d32'] : ['#e8f5e9', '#fbc02d', '#b71c1c'] }
      },
      series: [{
        type: 'map', map: 'beijing', roam: true, data: data,
        layoutCenter: ['55%', '50%'], layoutSize: '92%',
        label: { show: true, fontSize: 10, color: '#1f2933', formatter: function (p) { return mapLabel(p.name); } },
        labelLayout: { hideOverlap: true },
        emphasis: { label: { show: true, fontWeight: 'bold' } }
      }]
    });
  }

  function drawGaps(s) {
    var buckets = s.gaps.buckets;
    var districts = [];
    var cells = {};
    // A district × time cell with any withheld part is withheld: the page
    // cannot tell a sum the server did not compute.
    (s.gaps.cells || []).forEach(function (c) {
      if (districts.indexOf(c.district) < 0) districts.push(c.district);
      var k = c.district + '|' + c.time_of_week;
      cells[k] = shown(c.unfilled) && cells[k] !== null ? (cells[k] || 0) + c.unfilled : null;
    });
    districts.sort();
    var data = [];
    var max = 1;
    districts.forEach(function (d, y) {
      buckets.forEach(function (b, x) {
        var v = cells[d + '|' + b.key];
        if (v === null) {
          // Drawn grey, outside the colour scale, with the note as label.
          data.push({ value: [x, y, -1], suppressed: true });
          return;
        }
        v = v || 0;
        max = Math.max(max, v);
        data.push([x, y, v]);
      });
    });
    render('c-gaps', {
      tooltip: { position: 'top', formatter: function (p) {
        return p.data && p.data.suppressed ? withheld(s) : String(p.value[2]);
      } },
      grid: { left: 90, right: 20, top: 10, bottom: 90 },
      xAxis: { type: 'category', data: buckets.map(function (b) { return label(b.label); }), axisLabel: { rotate: 35 } },
      yAxis: { type: 'category', data: districts.map(districtName) },
      visualMap: { min: 0, max: max, show: false, inRange: { color: ['#fff8e1', '#ff8f00', '#b71c1c'] }, outOfRange: { color: '#cfd8dc' } },
      series: [{ type: 'heatmap', data: data, label: { show: true, fontSize: 9, formatter: function (p) {
        return p.data && p.data.suppressed ? withheld(s) : p.value[2];
      } } }]
    });
  }

  function drawRanking(s) {
    var pos = s.ranking.by_position || [];
    render('c-ranking', {
      grid: { left: 50, right: 20, top: 30, bottom: 30 },
      title: { text: 'NDCG@' + s.ranking.k + ' ' + (shown(s.ranking.ndcg_at_k) ? s.ranking.ndcg_at_k.toFixed(3) : withheld(s)) +
        '  MRR ' + (shown(s.ranking.mrr) ? s.ranking.mrr.toFixed(3) : withheld(s)), textStyle: { fontSize: 12 }, right: 10 },
      xAxis: { type: 'category', name: t('rank'), data: pos.map(function (p) { return p.rank; }) },
      yAxis: { type: 'value', axisLabel: { formatter: function (v) { return (v * 100).toFixed(0) + '%'; } } },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v === '-' || !shown(v) ? withheld(s) : (v * 100).toFixed(1) + '%'; } },
      series: [{ name: t('acceptRate'), type: 'bar', data: pos.map(function (p) { return num(p.accept_rate); }), itemStyle: { color: '#1565c0' } }]
    });
  }

  function drawFairness(s) {
    var names = [t('noStar'), '1★', '2★', '3★', '4★', '5★'];
    var hidden = !shown(s.fairness.top_decile_share);
    var top = hidden ? 0 : Math.round(s.fairness.top_decile_share * 1000) / 10;
    render('c-fairness', {
      tooltip: { trigger: 'item' },
      grid: { left: 50, right: '42%', top: 40, bottom: 30 },
      title: { text: 'Gini ' + (shown(s.fairness.gini) ? s.fairness.gini.toFixed(3) : withheld(s)), textStyle: { fontSize: 12 }, right: 10 },
      legend: { right: 10, bottom: 0, data: hidden ? [] : [t('topDecile'), t('restOf')] },
      xAxis: { type: 'category', data: names },
      yAxis: { type: 'value', name: t('volunteers') },
      series: [
        { name: t('volunteers'), type: 'bar', data: s.hours.stars || names.map(function () { return '-'; }), itemStyle: { color: '#2e7d32' } },
        {
          name: t('hoursShare'), type: 'pie', center: ['79%', '50%'], radius: ['38%', '60%'],
          label: { show: false, position: 'center' }, labelLine: { show: false },
          emphasis: { label: { show: false } },
          data: hidden ? [
            // Withheld: an empty grey ring with the note in the middle.
            { name: t('restOf'), value: 1, itemStyle: { color: '#cfd8dc' },
              label: { show: true, formatter: withheld(s), fontSize: 16, fontWeight: 'bold', color: '#52606d' } }
          ] : [
            // The share of the top tenth is written in the middle of the ring.
            { name: t('topDecile'), value: top, itemStyle: { color: '#b71c1c' },
              label: { show: true, formatter: top.toFixed(1) + '%', fontSize: 16, fontWeight: 'bold', color: '#b71c1c' } },
            { name: t('restOf'), value: Math.round((100 - top) * 10) / 10, itemStyle: { color: '#90a4ae' } }
          ]
        }
      ]
    });
  }


  function draw(s) {
    drawKPIs(s);
    drawFunnel(s);
    drawWeekly(s);
    drawMap(s);
    drawGaps(s);
    drawRanking(s);
    drawFairness(s);
  }

  function load() {
    var q = query();
    status(t('loading'));
    document.body.removeAttribute('data-loaded');
    return api('/v1/evaluation/summary' + q).then(function (s) {
      last = s;
      draw(s);
      document.body.setAttribute('data-query', q);
      document.body.setAttribute('data-loaded', 'true');
      status(t('loaded') + ' ' + new Date().toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB'));
    }).catch(function (err) {
      status(t('failed') + err.message, true);
      if (err.status === 401 || err.status === 403) $('login').hidden = false;
    });
  }

  function start() {
    translate();
    if (!token()) {
      $('login').hidden = false;
      status(t('needToken'));
      return;
    }
    Promise.all([api('/v1/reference'), api('/v1/geo/districts')]).then(function (r) {
      ref = r[0];
      echarts.registerMap('beijing', r[1]);
      translate();
      return load();
    }).catch(function (err) {
      status(t('failed') + err.message, true);
      if (err.status === 401 || err.status === 403) $('login').hidden = false;
    });
  }

  $('filters').addEventListener('submit', function (e) { e.preventDefault(); load(); });
  $('map-metric').addEventListener('change', function () { if (last) drawMap(last); });
  $('lang').addEventListener('click', function () {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('volmatch.lang', lang);
    translate();
    if (last) draw(last);
  });
  $('login').addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem('volmatch.token', $('token').value);
    $('login').hidden = true;
    start();
  });
  // A link with another token opened in the same tab changes only the fragment.
  window.addEventListener('hashchange', function () { if (/token=/.test(location.hash)) start(); });
  window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  start();
})();
