// The planner dashboard (web/dashboard.go): draws each chart with ECharts
// from the tables the server put in the page (#dash-data). The same tables
// are the data tables under the charts and the CSV downloads; every name is
// already in the page's language. A withheld figure is null: drawn grey or
// left out, never as 0.
(function () {
  'use strict';

  var el = document.getElementById('dash-data');
  if (!el || !window.echarts) return;
  // An old /dashboard/#token=... link lands here: the token is of no use to
  // the page and must not stay in the address bar or the history.
  if (/token=/.test(location.hash)) history.replaceState(null, '', location.pathname + location.search);

  var D = JSON.parse(el.textContent);
  var W = D.words;
  var charts = {};

  // rows returns a chart's rows as objects keyed by column.
  function rows(id) {
    var c = D.charts[id];
    if (!c) return [];
    return c.rows.map(function (r) {
      var o = {};
      c.cols.forEach(function (k, i) { o[k] = r[i]; });
      return o;
    });
  }
  function shown(x) { return x !== null && x !== undefined; }
  function show(x, unit) { return shown(x) ? x + (unit || '') : D.withheld; }
  // range is [min, max] of the numbers shown, never empty or a point (a
  // colour scale needs two ends).
  function range(xs) {
    var v = xs.filter(function (x) { return shown(x) && !isNaN(x); });
    if (!v.length) return [0, 1, false];
    var lo = Math.min.apply(null, v), hi = Math.max.apply(null, v);
    if (lo === hi) { lo = Math.max(0, lo - 1); hi = lo === hi ? hi + 1 : hi; }
    return [lo, hi, true];
  }

  function render(id, option) {
    var box = document.getElementById('c-' + id);
    if (!box) return;
    box.removeAttribute('data-rendered');
    if (!charts[id]) {
      charts[id] = echarts.init(box);
      charts[id].on('finished', function () { box.setAttribute('data-rendered', 'true'); });
    }
    charts[id].setOption(option, true);
  }

  var axisText = { color: '#1a1a1a' };
  // narrow is true for a chart on a phone: legends and parts are stacked.
  function narrow(id) { var b = document.getElementById('c-' + id); return b && b.clientWidth < 520; }
  // Dark enough for white text at 4.5:1.
  var funnelColours = ['#0d47a1', '#1565c0', '#00695c', '#2e7d32', '#6a1b9a', '#ad1457', '#b71c1c'];

  function drawFunnel() {
    var r = rows('funnel');
    var size = 0;
    render('funnel', {
      tooltip: { trigger: 'item', formatter: function (p) { return p.name + ': ' + show(p.data.count); } },
      color: funnelColours,
      series: [{
        type: 'funnel', sort: 'none', left: '10%', width: '80%', minSize: '8%', gap: 2,
        label: { show: true, position: 'inside', color: '#fff', formatter: function (p) { return p.name + ' ' + show(p.data.count); } },
        // A withheld step keeps its place at the size of the last step shown.
        data: r.map(function (s) {
          if (shown(s.needs)) size = s.needs;
          return { name: s.step_name, value: size, count: s.needs };
        })
      }]
    });
  }

  function drawWeekly() {
    var r = rows('weekly');
    function col(k) { return r.map(function (x) { return shown(x[k]) ? x[k] : '-'; }); }
    render('weekly', {
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v === '-' || !shown(v) ? D.withheld : v; } },
      legend: { top: 0, textStyle: axisText },
      grid: { left: 50, right: 50, top: narrow('weekly') ? 80 : 50, bottom: 30 },
      xAxis: { type: 'category', data: r.map(function (x) { return x.week; }), axisLabel: axisText },
      yAxis: [{ type: 'value', axisLabel: axisText }, { type: 'value', name: W.hours, axisLabel: axisText, nameTextStyle: axisText }],
      series: [
        { name: W.posted, type: 'line', data: col('posted') },
        { name: W.filled, type: 'line', data: col('filled') },
        { name: W.completed, type: 'line', data: col('completed') },
        { name: W.hours, type: 'bar', yAxisIndex: 1, data: col('hours') }
      ]
    });
  }

  // The district map: the colours span the range of the figures shown
  // (min to max of the data, not 0 to 100), a withheld district is grey
  // and a district without needs stays blank, as the legend under it says.
  function drawMap() {
    var metric = document.getElementById('map-metric').value;
    var unit = metric === 'fill_rate' ? '%' : '';
    // The boundaries name each region in Chinese; byName gives the page's name.
    var byName = {};
    Object.keys(D.regions).forEach(function (code) { byName[D.regions[code].map] = D.regions[code].name; });
    var data = rows('districts').map(function (d) {
      var v = d[metric];
      return { name: D.regions[d.district] ? D.regions[d.district].map : d.district_name, value: shown(v) ? v : NaN, withheld: !shown(v),
        itemStyle: shown(v) ? undefined : { areaColor: '#b0bec5' } };
    });
    var lr = range(data.map(function (d) { return d.withheld ? null : d.value; }));
    // The stations (站点) are dots on the same map, sized alike, darker
    // when they have open needs; the district colours are the figures'.
    var pts = (D.stations || []).map(function (st) {
      return { name: st[2], value: [st[0], st[1], st[3]], itemStyle: { color: st[3] ? '#1d4ed8' : '#5f6b7a' } };
    });
    render('districts', {
      tooltip: { trigger: 'item', formatter: function (p) {
        if (p.seriesType === 'scatter') return p.name + (p.value[2] ? ' · ' + W.stationOpen.replace('%d', p.value[2]) : '');
        var name = byName[p.name] || p.name;
        if (!p.data) return name + ': ' + W.noData;
        return name + ': ' + (p.data.withheld ? D.withheld : p.value + unit);
      } },
      visualMap: {
        // No figure shown (all withheld or none): no scale to read.
        type: 'continuous', show: lr[2], min: lr[0], max: lr[1], calculable: true, realtime: true, left: 10, bottom: 10,
        seriesIndex: 0, text: [W.high, W.low], textStyle: axisText,
        formatter: function (v) { return (Math.round(v * 10) / 10) + unit; },
        inRange: { color: metric === 'fill_rate' ? ['#b71c1c', '#fbc02d', '#2e7d32'] : ['#fff3e0', '#fb8c00', '#b71c1c'] }
      },
      geo: {
        map: 'beijing', roam: true, layoutCenter: ['55%', '50%'], layoutSize: '92%',
        itemStyle: { areaColor: '#f7f7f7', borderColor: '#5f6b7a' },
        label: { show: true, fontSize: 10, color: '#1a1a1a', formatter: function (p) {
          return (byName[p.name] || p.name).replace(/ District$/, '');
        } },
        labelLayout: { hideOverlap: true },
        emphasis: { label: { show: true, fontWeight: 'bold' } }
      },
      series: [
        { type: 'map', geoIndex: 0, data: data },
        { type: 'scatter', coordinateSystem: 'geo', data: pts, symbolSize: 5, z: 3,
          itemStyle: { borderColor: '#fff', borderWidth: 0.5 } }
      ]
    });
  }

  function drawGaps() {
    var r = rows('gaps');
    var xs = [], ys = [], data = [], held = [];
    r.forEach(function (c) {
      if (xs.indexOf(c.time_of_week_name) < 0) xs.push(c.time_of_week_name);
      if (ys.indexOf(c.district_name) < 0) ys.push(c.district_name);
    });
    r.forEach(function (c) {
      var x = xs.indexOf(c.time_of_week_name), y = ys.indexOf(c.district_name);
      if (shown(c.unfilled)) data.push([x, y, c.unfilled]);
      else held.push({ value: [x, y, 0], withheld: true }); // drawn grey; the 0 is never shown
    });
    var lr = range(r.map(function (c) { return c.unfilled; }));
    render('gaps', {
      tooltip: { position: 'top', formatter: function (p) {
        return ys[p.value[1]] + ' · ' + xs[p.value[0]] + ': ' + (p.data && p.data.withheld ? D.withheld : p.value[2]);
      } },
      grid: { left: 120, right: 20, top: 10, bottom: 100 },
      xAxis: { type: 'category', data: xs, axisLabel: { rotate: 35, color: '#1a1a1a' } },
      yAxis: { type: 'category', data: ys, axisLabel: axisText },
      // The colours span the figures shown; withheld cells are a series of
      // their own, grey, outside the scale.
      visualMap: { min: lr[0], max: lr[1], show: false, seriesIndex: 0, inRange: { color: ['#fff8e1', '#ff8f00', '#b71c1c'] } },
      // On a phone the cells are too small to write in: the tooltip and the
      // data table have the figures.
      series: [{ type: 'heatmap', data: data, label: { show: !narrow('gaps'), fontSize: 9, formatter: function (p) {
        return p.data && p.data.withheld ? D.withheld : p.value[2];
      } } }, { type: 'heatmap', data: held, itemStyle: { color: '#b0bec5' }, label: { show: !narrow('gaps'), fontSize: 9, color: '#1a1a1a',
        formatter: function () { return D.withheld; } } }]
    });
  }

  function drawRanking() {
    var r = rows('ranking');
    render('ranking', {
      grid: { left: 50, right: 20, top: 30, bottom: 40 },
      xAxis: { type: 'category', name: W.rank, data: r.map(function (p) { return p.rank; }), axisLabel: axisText, nameTextStyle: axisText },
      yAxis: { type: 'value', axisLabel: { formatter: '{value}%', color: '#1a1a1a' } },
      tooltip: { trigger: 'axis', valueFormatter: function (v) { return v === '-' || !shown(v) ? D.withheld : v + '%'; } },
      series: [{ name: W.acceptRate, type: 'bar', data: r.map(function (p) { return shown(p.accept_rate) ? p.accept_rate : '-'; }), itemStyle: { color: '#1565c0' } }]
    });
  }

  function drawFairness() {
    var r = rows('fairness');
    var stars = r.filter(function (x) { return /^stars_/.test(x.measure); });
    var top = r.filter(function (x) { return x.measure === 'top_decile_share'; })[0] || {};
    var hidden = !shown(top.value);
    // Side by side on a desktop; the ring above the bars on a phone.
    var n = narrow('fairness');
    render('fairness', {
      tooltip: { trigger: 'item' },
      grid: n ? { left: 50, right: 20, top: '50%', bottom: 30 } : { left: 50, right: '42%', top: 40, bottom: 30 },
      legend: n ? { left: 'center', top: 0, data: hidden ? [] : [W.topDecile, W.restOf], textStyle: axisText }
        : { right: 10, bottom: 0, data: hidden ? [] : [W.topDecile, W.restOf], textStyle: axisText },
      xAxis: { type: 'category', data: stars.map(function (s) { return s.measure_name; }), axisLabel: { color: '#1a1a1a', interval: 0, fontSize: 11 } },
      yAxis: { type: 'value', name: W.volunteers, axisLabel: axisText, nameTextStyle: axisText },
      series: [
        { name: W.volunteers, type: 'bar', data: stars.map(function (s) { return shown(s.value) ? s.value : '-'; }), itemStyle: { color: '#2e7d32' } },
        {
          name: top.measure_name, type: 'pie', center: n ? ['50%', '26%'] : ['79%', '50%'], radius: n ? ['18%', '28%'] : ['38%', '60%'],
          label: { show: false, position: 'center' }, labelLine: { show: false }, emphasis: { label: { show: false } },
          data: hidden ? [
            { name: W.restOf, value: 1, itemStyle: { color: '#b0bec5' },
              label: { show: true, formatter: D.withheld, fontSize: 16, fontWeight: 'bold', color: '#37474f' } }
          ] : [
            { name: W.topDecile, value: top.value, itemStyle: { color: '#b71c1c' },
              label: { show: true, formatter: top.value + '%', fontSize: 16, fontWeight: 'bold', color: '#b71c1c' } },
            { name: W.restOf, value: Math.round((100 - top.value) * 10) / 10, itemStyle: { color: '#90a4ae' } }
          ]
        }
      ]
    });
  }

  // The streets of the chosen district with the most unfilled slots
  // (withheld ones last, as grey bars of no length).
  function drawStreets() {
    var r = rows('streets').slice().sort(function (a, b) {
      return (shown(b.unfilled) ? b.unfilled : -1) - (shown(a.unfilled) ? a.unfilled : -1) || (a.street < b.street ? -1 : 1);
    }).slice(0, 15).reverse();
    render('streets', {
      grid: { left: 170, right: 30, top: 10, bottom: 30 },
      tooltip: { trigger: 'item', formatter: function (p) { return p.name + ': ' + (p.data.withheld ? D.withheld : p.value); } },
      xAxis: { type: 'value', name: W.unfilled, axisLabel: axisText, nameTextStyle: axisText },
      yAxis: { type: 'category', data: r.map(function (s) { return s.street_name; }), axisLabel: axisText },
      series: [{ name: W.unfilled, type: 'bar', itemStyle: { color: '#b71c1c' },
        label: { show: true, position: 'right', color: '#1a1a1a', formatter: function (p) { return p.data.withheld ? D.withheld : p.value; } },
        // A withheld street: no bar, the note in its place.
        data: r.map(function (s) { return shown(s.unfilled) ? { value: s.unfilled } : { value: 0, withheld: true }; }) }]
    });
  }

  function drawAll() {
    drawFunnel();
    drawWeekly();
    drawGaps();
    drawRanking();
    drawFairness();
    if (D.charts.streets) drawStreets();
  }

  drawAll();
  fetch('/web/dashboard/districts.geojson').then(function (r) {
    if (!r.ok) throw new Error('boundaries: ' + r.status);
    return r.json();
  }).then(function (geo) {
    echarts.registerMap('beijing', geo);
    drawMap();
    document.body.setAttribute('data-dashboard', 'ready');
  });
  document.getElementById('map-metric').addEventListener('change', drawMap);
  // On a resize the charts that lay out by width are drawn again.
  var wasNarrow = narrow('fairness');
  window.addEventListener('resize', function () {
    // A chart is not resized to nothing (a page being laid out or printed):
    // ECharts' map fails on a zero size.
    Object.keys(charts).forEach(function (k) {
      var box = document.getElementById('c-' + k);
      if (box.clientWidth > 0 && box.clientHeight > 0) charts[k].resize();
    });
    if (narrow('fairness') !== wasNarrow) {
      wasNarrow = !wasNarrow;
      drawWeekly();
      drawFairness();
    }
  });
})();
