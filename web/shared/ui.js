/*
 * 阳光政务 · what the public app (web/app) and the officials' console (web/console) share: elements
 * written as text (never HTML), forms that wait for their answer, Chinese formats of times and
 * money, plain SVG charts, the API's answers unwrapped into data or a problem in Chinese, and a
 * hash router. No dependency; loaded before each page's own script as window.SunshineUI.
 */
(function () {
  'use strict';

  var remembered = {};
  var SVG = 'http://www.w3.org/2000/svg';

  /** An element with attributes (on* are listeners) and children (strings become text). */
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) continue;
      if (key.slice(0, 2) === 'on') el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    [].concat(children === undefined ? [] : children).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      el.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    });
    return el;
  }

  function section(title, children) {
    return h('section', { class: 'card' }, [h('h2', null, title)].concat(children));
  }

  /** A definition list of [label, value] pairs; pairs without a value are left out. */
  function facts(pairs) {
    var dl = h('dl', { class: 'facts' });
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === '') return;
      dl.appendChild(h('dt', null, pair[0]));
      dl.appendChild(h('dd', null, pair[1]));
    });
    return dl;
  }

  function table(headers, rows, caption) {
    return h('div', { class: 'scroll' }, h('table', null, [
      caption ? h('caption', null, caption) : null,
      h('thead', null, h('tr', null, headers.map(function (t) { return h('th', { scope: 'col' }, t); }))),
      h('tbody', null, rows.map(function (row) {
        return h('tr', null, row.map(function (cell) { return h('td', null, cell === null ? '—' : cell); }));
      })),
    ]));
  }

  /**
   * A table that pages with a keyset cursor: `load(after)` answers {nodes, pageInfo}; the first
   * page arrives before the table is returned, later ones append behind 加载更多.
   */
  function pagedTable(headers, load, toRow, emptyText) {
    var body = h('tbody');
    var more = h('div', { class: 'more' });
    function page(after) {
      return load(after).then(function (found) {
        append(body, found.nodes.map(function (node) {
          return h('tr', null, toRow(node).map(function (cell) { return h('td', null, cell === null ? '—' : cell); }));
        }));
        more.replaceChildren(found.pageInfo.hasNextPage
          ? h('button', { type: 'button', class: 'secondary', onclick: function () {
            more.replaceChildren(busy());
            page(found.pageInfo.endCursor).catch(function (error) { more.replaceChildren(problemBox(error)); });
          } }, '加载更多')
          : h('p', { class: 'end' }, body.children.length ? '已全部显示' : emptyText));
      });
    }
    return page(null).then(function () {
      return h('div', null, [h('div', { class: 'scroll' }, h('table', null, [
        h('thead', null, h('tr', null, headers.map(function (t) { return h('th', { scope: 'col' }, t); }))), body])), more]);
    });
  }

  function labelled(label, control, hint) {
    return h('label', { class: 'field' }, [h('span', { class: 'label' }, label), control,
      hint ? h('span', { class: 'hint' }, hint) : null]);
  }

  function select(name, options, value) {
    return h('select', { name: name }, options.map(function (o) {
      return h('option', { value: o[0], selected: o[0] === value }, o[1]);
    }));
  }

  function problemBox(error) {
    return h('p', { class: 'problem', role: 'alert' }, error.message || String(error));
  }

  function busy() {
    return h('p', { class: 'loading' }, '正在查询……');
  }

  function badge(text, tone) {
    return h('span', { class: 'badge ' + (tone || '') }, text);
  }

  function pill(href, text, current) {
    return h('a', { class: 'pill' + (current ? ' current' : ''), href: href }, text);
  }

  /** A moment as a clock in China (+08:00), whatever offset it came with: 2026-11-20 09:53. */
  function moment(text) {
    if (!text) return null;
    var ms = Date.parse(text);
    if (isNaN(ms)) return text;
    return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
  }

  function yuan(text) {
    if (text === null || text === undefined) return null;
    var n = Number(text);
    return isNaN(n) ? text : n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + ' 元';
  }

  function days(n) {
    return n === null || n === undefined ? null : n + ' 个工作日';
  }

  function percent(x) {
    return x === null || x === undefined ? null : (Number(x) * 100).toFixed(1) + '%';
  }

  function monthsBack(count) {
    var now = new Date(Date.now() + 8 * 3600 * 1000);
    var out = [];
    for (var i = 1; i <= count; i++) {
      var d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
      out.push(d.toISOString().slice(0, 7));
    }
    return out;
  }

  function Problem(message, code) {
    this.message = message;
    this.code = code;
  }

  function unwrap(response) {
    return response.json().then(function (body) {
      if (body.errors && body.errors.length) {
        var first = body.errors[0];
        throw new Problem(first.message, first.extensions && first.extensions.code);
      }
      if (!response.ok) throw new Problem('请求未成功（' + response.status + '），请稍后再试');
      return body.data;
    }, function () {
      throw new Problem('服务暂时没有应答，请稍后再试');
    });
  }

  function offline() {
    throw new Problem('网络连接失败，请检查网络后重试');
  }

  /** Leave out what the caller did not fill in: the document's defaults apply. */
  function filled(object) {
    var out = {};
    Object.keys(object).forEach(function (key) {
      var value = object[key];
      if (value === null || value === undefined || value === '') return;
      out[key] = value && typeof value === 'object' && !Array.isArray(value) ? filled(value) : value;
    });
    return out;
  }

  function once(key, load) {
    if (!remembered[key]) {
      remembered[key] = load().catch(function (error) {
        delete remembered[key];
        throw error;
      });
    }
    return remembered[key];
  }

  /** Run a form's work: the button waits, the answer (or the problem) lands in `out`. */
  function submitting(form, out, work) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = form.querySelector('button[type=submit]');
      if (button) button.disabled = true;
      out.replaceChildren(busy());
      Promise.resolve().then(work).then(function (node) {
        out.replaceChildren(node);
      }, function (error) {
        out.replaceChildren(problemBox(error));
      }).then(function () {
        if (button) button.disabled = false;
      });
    });
    return form;
  }

  function value(form, name) {
    var el = form.elements.namedItem(name);
    return el ? el.value.trim() : '';
  }

  function svg(tag, attrs, text) {
    var el = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (text !== undefined) el.textContent = text;
    return el;
  }

  /** A horizontal bar chart in plain SVG: [{label, value, text}], drawn `width` units wide. */
  function barChart(items, title, width) {
    var rowH = 34;
    var labelW = 150;
    var max = Math.max.apply(null, items.map(function (i) { return i.value; }).concat([1]));
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + (items.length * rowH + 10), role: 'img', 'aria-label': title, class: 'chart' });
    items.forEach(function (item, i) {
      var y = i * rowH + 5;
      var w = Math.max(2, (width - labelW - 130) * item.value / max);
      chart.appendChild(svg('text', { x: labelW - 8, y: y + 21, 'text-anchor': 'end', class: 'axis' }, item.label));
      chart.appendChild(svg('rect', { x: labelW, y: y + 4, width: w, height: rowH - 10, rx: 3, class: 'bar' }));
      chart.appendChild(svg('text', { x: labelW + w + 6, y: y + 21, class: 'value' }, item.text));
    });
    return h('figure', { class: 'chart-box' }, [chart, h('figcaption', null, title)]);
  }

  /**
   * Pages by the first part of the hash (#/name/arg?query): each page answers a promise of its
   * element, shown in `view` unless another navigation came first; a failure shows its problem.
   */
  function route(view, pages, fallback, shown) {
    function parse() {
      var raw = location.hash.replace(/^#\/?/, '');
      var cut = raw.indexOf('?');
      var path = cut < 0 ? raw : raw.slice(0, cut);
      var parts = path.split('/').map(function (p) {
        try { return decodeURIComponent(p); } catch (e) { return p; }
      });
      return { name: parts[0] || '', arg: parts[1] || '', query: new URLSearchParams(cut < 0 ? '' : raw.slice(cut + 1)) };
    }
    var rendering = 0;
    function render() {
      var where = parse();
      var mine = ++rendering;
      view.replaceChildren(h('p', { class: 'loading' }, '正在加载……'));
      var page = Object.prototype.hasOwnProperty.call(pages, where.name) ? pages[where.name] : fallback;
      Promise.resolve().then(function () { return page(where); }).then(function (node) {
        if (mine !== rendering) return;
        view.replaceChildren(node);
        if (shown) shown(where, node);
      }, function (error) {
        if (mine === rendering) view.replaceChildren(problemBox(error));
      });
    }
    window.addEventListener('hashchange', render);
    render();
    return render;
  }

  window.SunshineUI = {
    h: h, append: append, section: section, facts: facts, table: table, pagedTable: pagedTable,
    labelled: labelled, select: select, problemBox: problemBox, busy: busy, badge: badge, pill: pill,
    moment: moment, yuan: yuan, days: days, percent: percent, monthsBack: monthsBack,
    Problem: Problem, unwrap: unwrap, offline: offline, filled: filled, once: once,
    submitting: submitting, value: value, svg: svg, barChart: barChart, route: route,
  };
})();
