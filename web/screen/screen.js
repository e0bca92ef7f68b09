/*
 * 阳光政务 · the big screen (大屏幕), 1920×1080, for a service hall or the discipline committee's
 * office: today's cases and on-time rate, open cards by department, subsidy red flags by township,
 * the latest alerts as they arrive and the department ranking, drawn as plain SVG.
 *
 * Live from the supervision feed over one WebSocket (graphql-transport-ws on /graphql), which it
 * reopens by itself after a drop. The public edition subscribes to the vetted LiveCounts document
 * (counts only) and tells its alerts from how the counts move; in a tab signed in at the console
 * (/console/, the token in this tab's sessionStorage) the discipline edition also subscribes to
 * supervisionFeed and resumes after the last event it showed. Nothing is fetched from elsewhere.
 */
(function () {
  'use strict';

  var ui = window.SunshineUI;
  var h = ui.h, svg = ui.svg;
  var TOKEN = 'sunshine.console.token';
  var token = sessionStorage.getItem(TOKEN);
  var MAX_ALERTS = 13;
  var EVENT = '{ cursor kind kindLabel occurredAt caseNo ruleLabel color department { name shortName } }';
  var FEED = 'subscription ScreenFeed($after: String) { supervisionFeed(after: $after) ' + EVENT + ' }';
  var LATEST = 'query ScreenLatest { supervisionEvents(last: ' + MAX_ALERTS + ') ' + EVENT + ' }';

  function $(id) { return document.getElementById(id); }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  /** Now in Beijing time, whatever the screen's computer is set to: read with the getUTC* methods. */
  function beijing() { return new Date(Date.now() + 8 * 3600 * 1000); }
  function clockText(d) {
    return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  }
  function tick() {
    var d = beijing();
    $('clock').textContent = d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + clockText(d);
  }
  function shortName(department) {
    return department ? department.shortName || department.name : '纪委监委';
  }

  // ---- charts -------------------------------------------------------------------------------

  /** Horizontal bars, each of one or more coloured parts: [{label, parts: [{value, tone}], text}]. */
  function bars(items, width, empty, labelW) {
    if (!items.length) return h('p', { class: 'empty' }, empty);
    var rowH = 38, max = 1;
    labelW = labelW || 170;
    items.forEach(function (i) {
      max = Math.max(max, i.parts.reduce(function (s, p) { return s + p.value; }, 0));
    });
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + (items.length * rowH + 6), role: 'img', width: width });
    items.forEach(function (item, i) {
      var y = i * rowH + 4, x = labelW;
      var label = item.label.length > 13 ? item.label.slice(0, 12) + '…' : item.label;
      chart.appendChild(svg('text', { x: labelW - 10, y: y + 24, 'text-anchor': 'end' }, label));
      item.parts.forEach(function (part) {
        var w = (width - labelW - 130) * part.value / max;
        if (w <= 0) return;
        chart.appendChild(svg('rect', { x: x, y: y + 6, width: Math.max(w, 3), height: rowH - 14, rx: 3, class: part.tone }));
        x += w;
      });
      chart.appendChild(svg('text', { x: x + 10, y: y + 24, class: 'muted' }, item.text));
    });
    return chart;
  }

  /** The on-time rate as a ring, its percentage in the middle. */
  function ring(rate) {
    var r = 42, length = 2 * Math.PI * r;
    var chart = svg('svg', { viewBox: '0 0 220 110', role: 'img', 'aria-label': '按时办结率' });
    chart.appendChild(svg('circle', { cx: 55, cy: 55, r: r, fill: 'none', stroke: '#1d3f6f', 'stroke-width': 14 }));
    if (rate !== null) {
      chart.appendChild(svg('circle', {
        cx: 55, cy: 55, r: r, fill: 'none', stroke: '#3ddc84', 'stroke-width': 14,
        'stroke-dasharray': (length * rate) + ' ' + length, transform: 'rotate(-90 55 55)',
      }));
    }
    chart.appendChild(svg('text', { x: 120, y: 68, class: 'rate-text' }, rate === null ? '—' : ui.percent(rate)));
    return chart;
  }

  // ---- what is shown ------------------------------------------------------------------------

  var shown = null; // the counts on screen, to tell the public what moved

  function showCounts(counts) {
    var reds = 0, yellows = 0;
    counts.openCards.forEach(function (c) { reds += c.red; yellows += c.yellow; });
    $('received').textContent = counts.receivedToday;
    $('completed').textContent = counts.completedToday;
    $('complaints').textContent = counts.complaintsToday;
    $('reds').textContent = reds;
    $('yellows').textContent = yellows;
    $('rate').replaceChildren(ring(counts.onTimeRate));
    var cards = counts.openCards.slice().sort(function (a, b) {
      return (b.red * 1000 + b.yellow) - (a.red * 1000 + a.yellow);
    }).slice(0, 18);
    $('cards').replaceChildren(bars(cards.map(function (c) {
      return {
        label: shortName(c.department),
        parts: [{ value: c.red, tone: 'bar-red' }, { value: c.yellow, tone: 'bar-yellow' }],
        text: '红' + c.red + ' 黄' + c.yellow,
      };
    }), 580, '没有未关闭的监察卡'));
    var flags = counts.redFlagsByTownship.slice().sort(function (a, b) { return b.flags - a.flags; }).slice(0, 8);
    $('flags').replaceChildren(bars(flags.map(function (f) {
      return { label: f.township ? f.township.name : '', parts: [{ value: f.flags, tone: 'bar-red' }], text: f.flags + ' 条' };
    }), 580, '没有未关闭的疑点'));
    if (!token && shown) tellMoves(shown, counts);
    shown = counts;
  }

  /** The public's alerts: what moved between two pushes of the counts (counts only). */
  function tellMoves(before, after) {
    var at = clockText(beijing());
    var filed = after.complaintsToday - before.complaintsToday;
    if (filed > 0) alert(at, '公众', '收到投诉建议' + (filed > 1 ? ' ' + filed + ' 件' : ''), '');
    var old = {};
    before.openCards.forEach(function (c) { old[c.department.code] = c; });
    after.openCards.forEach(function (c) {
      var was = old[c.department.code] || { red: 0, yellow: 0 };
      if (c.red > was.red) alert(at, shortName(c.department), '新发红牌 ' + (c.red - was.red) + ' 张', 'red');
      if (c.yellow > was.yellow) alert(at, shortName(c.department), '新发黄牌 ' + (c.yellow - was.yellow) + ' 张', 'yellow');
    });
    var flagged = {};
    before.redFlagsByTownship.forEach(function (f) { flagged[f.township ? f.township.code : ''] = f.flags; });
    after.redFlagsByTownship.forEach(function (f) {
      var was = flagged[f.township ? f.township.code : ''] || 0;
      if (f.flags > was) alert(at, f.township ? f.township.name : '', '惠民资金疑点 +' + (f.flags - was), 'red');
    });
  }

  function alert(at, who, what, tone, quiet) {
    var list = $('alerts');
    var item = h('li', { class: (tone || '') + (quiet ? '' : ' fresh') }, [h('time', null, at), h('span', null, who), h('span', null, what)]);
    list.insertBefore(item, list.firstChild);
    while (list.children.length > MAX_ALERTS) list.removeChild(list.lastChild);
  }

  var cursor = null; // the last feed event shown: a reopened socket resumes after it

  function showEvent(event, quiet) {
    cursor = event.cursor;
    var what = [event.kindLabel, event.ruleLabel, event.caseNo].filter(Boolean).join(' · ');
    var at = (/T(\d\d:\d\d:\d\d)/.exec(event.occurredAt || '') || ['', ''])[1];
    alert(at, shortName(event.department), what, event.color ? event.color.toLowerCase() : '', quiet);
  }

  function showRanking() {
    var period = ui.monthsBack(1)[0];
    $('ranking-title').textContent = '部门绩效排名（' + period + '）';
    var search = '?variables=' + encodeURIComponent(JSON.stringify({ period: period }));
    fetch('/public/DepartmentRanking' + search, { headers: { accept: 'application/json' } })
      .then(ui.unwrap, ui.offline)
      .then(function (data) {
        var rows = data.departmentPerformance.rows.filter(function (r) { return r.rank !== null; }).slice(0, 8);
        $('ranking').replaceChildren(bars(rows.map(function (r) {
          return { label: r.rank + '. ' + shortName(r.department), parts: [{ value: r.score, tone: 'bar' }], text: r.score + ' 分' };
        }), 580, '本期暂无排名', 270));
      }, function (problem) {
        $('ranking').replaceChildren(h('p', { class: 'empty' }, problem.message));
      });
  }

  // ---- the socket ---------------------------------------------------------------------------

  /** One graphql-transport-ws connection that reopens itself and subscribes again. */
  function socket(init, subscriptions) {
    var wait = 1000;
    function open() {
      var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql', 'graphql-transport-ws');
      function send(message) { ws.send(JSON.stringify(message)); }
      $('link').dataset.state = 'connecting';
      $('link').textContent = '连接中';
      ws.onopen = function () { send({ type: 'connection_init', payload: init }); };
      ws.onmessage = function (e) {
        var message = JSON.parse(e.data);
        if (message.type === 'ping') { send({ type: 'pong' }); return; }
        if (message.type === 'connection_ack') {
          wait = 1000;
          $('link').dataset.state = 'live';
          $('link').textContent = '实时';
          Object.keys(subscriptions).forEach(function (id) {
            send({ id: id, type: 'subscribe', payload: subscriptions[id].payload() });
          });
          return;
        }
        var subscription = subscriptions[message.id];
        if (subscription && message.type === 'next' && message.payload.data) subscription.next(message.payload.data);
      };
      ws.onclose = function (e) {
        $('link').dataset.state = 'down';
        $('link').textContent = '连接中断，正在重连';
        if (e.code === 4403 && token) {
          // The official's token was refused or has expired: the public edition carries on.
          sessionStorage.removeItem(TOKEN);
          location.reload();
          return;
        }
        setTimeout(open, wait);
        wait = Math.min(wait * 2, 15000);
      };
    }
    open();
  }

  function start(countsId) {
    var subscriptions = {
      counts: {
        payload: function () { return { extensions: { persistedQuery: { version: 1, sha256Hash: countsId } } }; },
        next: function (data) { showCounts(data.liveCounts); },
      },
    };
    if (token) {
      subscriptions.feed = {
        payload: function () { return { query: FEED, variables: { after: cursor } }; },
        next: function (data) { showEvent(data.supervisionFeed); },
      };
    }
    socket(token ? { authorization: 'Bearer ' + token } : {}, subscriptions);
  }

  function latest() {
    return fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify({ query: LATEST }),
    }).then(ui.unwrap, ui.offline).then(function (data) {
      data.supervisionEvents.forEach(function (event) { showEvent(event, true); });
    });
  }

  $('edition').textContent = token ? '纪检监管版' : '公众版';
  tick();
  setInterval(tick, 1000);
  showRanking();
  setInterval(showRanking, 3600 * 1000);
  var ready = token ? latest().catch(function () { return null; }) : Promise.resolve();
  ready.then(function () {
    return fetch('/public/manifest.json', { headers: { accept: 'application/json' } }).then(function (r) { return r.json(); });
  }).then(function (manifest) {
    var entry = Object.keys(manifest).map(function (k) { return manifest[k]; })
      .filter(function (d) { return d.operation === 'LiveCounts'; })[0];
    start(entry.sha256);
  });
})();
