/*
 * 阳光政务 · the officials' console (监管工作台): the department's version (部门版) and the discipline
 * committee's (纪检监管版), one script, the role read from the token.
 *
 * Everything goes through POST /graphql with the official's token (the deployment's identity
 * provider issues it; in development the dev token). The server decides what each role sees and
 * may do; the console only leaves out what a role cannot use. The token lives in this tab's
 * sessionStorage and is forgotten when the tab closes.
 */
(function () {
  'use strict';

  var ui = window.SunshineUI;
  var h = ui.h, append = ui.append, section = ui.section, facts = ui.facts, table = ui.table;
  var labelled = ui.labelled, select = ui.select, problemBox = ui.problemBox, busy = ui.busy;
  var badge = ui.badge, moment = ui.moment, percent = ui.percent, monthsBack = ui.monthsBack;
  var Problem = ui.Problem, unwrap = ui.unwrap, offline = ui.offline, filled = ui.filled;
  var submitting = ui.submitting, value = ui.value;

  var view = document.getElementById('view');
  var DEV = document.body.getAttribute('data-dev') === '1';
  var TOKEN = 'sunshine.console.token';
  var ROLE_LABELS = { department: '部门', discipline: '纪委监委', township: '乡镇（街道）' };

  // ---- who is signed in ---------------------------------------------------------------------

  /** The token's claims, read only to shape the page (the server verifies the token itself). */
  function claims() {
    var token = sessionStorage.getItem(TOKEN);
    if (!token) return null;
    try {
      var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      var json = decodeURIComponent(Array.prototype.map.call(atob(part), function (c) {
        return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
      }).join(''));
      var c = JSON.parse(json);
      if (c.exp && c.exp * 1000 < Date.now()) return null;
      return c;
    } catch (e) {
      return null;
    }
  }

  function isDiscipline() {
    var c = claims();
    return !!c && c.role === 'discipline';
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN);
    location.hash = '#/login' + (message ? '?why=' + encodeURIComponent(message) : '');
  }

  function showWho() {
    var c = claims();
    var who = document.getElementById('who');
    document.getElementById('nav').hidden = !c;
    who.replaceChildren();
    if (!c) return;
    document.querySelectorAll('#nav a[data-roles]').forEach(function (a) {
      a.hidden = a.getAttribute('data-roles').split(' ').indexOf(c.role) < 0;
    });
    append(who, [ROLE_LABELS[c.role] || c.role, c.dept ? ' · ' + c.dept : '', c.sub ? ' · ' + c.sub : '', ' ',
      h('button', { type: 'button', onclick: function () { signOut(); } }, '退出')]);
  }

  // ---- the API ----------------------------------------------------------------------------

  /** An official's document with its variables; a refused token sends the official to sign in. */
  function gql(query, variables, reason) {
    var request = { query: query, variables: filled(variables || {}) };
    if (reason) request.extensions = { reason: reason };  // why personal data is read: kept in the audit trail
    return fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: 'Bearer ' + sessionStorage.getItem(TOKEN),
      },
      body: JSON.stringify(request),
    }).then(function (response) {
      if (response.status === 401) {
        return response.json().then(function (body) {
          var message = body.errors && body.errors[0] ? body.errors[0].message : '请重新登录';
          signOut(message);
          throw new Problem(message, 'UNAUTHENTICATED');
        });
      }
      return unwrap(response);
    }, offline);
  }

  var CARD_FIELDS = 'id kind caseNo caseLocked rule ruleLabel color colorLabel subject evidence staffNo raisedAt dueOn ' +
    'status statusLabel explanation explainedBy explainedAt closedBy closedAt closingNote explainDueOn escalatedAt ' +
    'escalationNote department { code name }';

  var CARDS = 'query ConsoleCards($filter: CardFilter, $orderBy: CardOrder, $first: Int, $after: String) {' +
    ' cards(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {' +
    ' totalCount pageInfo { hasNextPage endCursor } nodes { ' + CARD_FIELDS +
    ' notifications { recipient recipientName status attemptCount deliveredAt } } } }';

  var EXPLAIN = 'mutation ConsoleExplain($id: Int!, $text: String!) {' +
    ' explainCard(cardId: $id, explanation: $text) { ' + CARD_FIELDS + ' } }';

  var CLOSE = 'mutation ConsoleClose($id: Int!, $note: String!, $outcome: CardOutcome) {' +
    ' closeCard(cardId: $id, note: $note, outcome: $outcome) { ' + CARD_FIELDS + ' } }';

  var RETURN = 'mutation ConsoleReturn($id: Int!, $note: String!, $due: Date!) {' +
    ' returnCard(cardId: $id, note: $note, dueOn: $due) { ' + CARD_FIELDS + ' } }';

  var ESCALATE = 'mutation ConsoleEscalate($id: Int!, $note: String!, $due: Date!) {' +
    ' escalateCard(cardId: $id, note: $note, dueOn: $due) { ' + CARD_FIELDS + ' } }';

  var CASE = 'query ConsoleCase($caseNo: String!) { case(caseNo: $caseNo) {' +
    ' caseNo stateLabel channelLabel receivedAt acceptedOn promisedDueOn statutoryDueOn completedOn onTime locked' +
    ' handlerStaffNo refusalReason feeChargedYuan currentStepName currentStepKey' +
    ' power { code name promisedLimitDays } department { code name }' +
    ' steps { stepKey staffNo startedAt finishedAt opinion }' +
    ' cards { ' + CARD_FIELDS + ' }' +
    ' lockHistory { action actor note at } } }';

  var OVERDUE = 'query ConsoleOverdue($filter: OverdueCaseFilter, $first: Int, $after: String) {' +
    ' overdueCases(filter: $filter, first: $first, after: $after) {' +
    ' totalCount pageInfo { hasNextPage endCursor }' +
    ' nodes { caseNo stateLabel acceptedOn promisedDueOn handlerStaffNo locked power { name } department { name } } } }';

  var DEPARTMENTS = 'query ConsoleDepartments { departments { code name } }';

  var SCORE = 'query ConsoleScore($period: String!) { departmentPerformance(period: $period) { period start end' +
    ' publishedAt rules corrections { department { code } field published now }' +
    ' rows { rank grade note score bonus deductions completed onTime onTimeRate averageUsedDays averagePromisedDays' +
    ' lateCases yellowCards redCards seriousErrors unfoundedCards lateCaseCards badRatings complaints' +
    ' subsidyScore subsidyDeductions subsidyRedFlags subsidyYellowFlags department { code name } } } }';

  var HOUSEHOLD = 'query ConsoleHousehold($no: String, $id: String, $after: String) {' +
    ' household(householdNo: $no, memberIdNumber: $id) { householdNo villageCode address landMu village { name }' +
    ' members { name idNumber relation isHead deceasedOn }' +
    ' payments(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor }' +
    ' nodes { paymentNo fundName batchNo period amountYuan beneficiary' +
    ' stages { stageLabel onDay amountYuan form recordedBy recordedByName } } }' +
    ' redFlags { cardId ruleLabel color status raisedOn paymentNo } } }';

  var TRAIL = 'query ConsoleTrail($filter: AuditFilter, $after: String) {' +
    ' auditRecords(filter: $filter, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor }' +
    ' nodes { at recordType recordId fields reason operation reader { subject roleLabel department { name } } } } }';

  var departmentList = null;

  function departments() {
    departmentList = departmentList || gql(DEPARTMENTS).then(function (d) { return d.departments; }, function (e) {
      departmentList = null;
      throw e;
    });
    return departmentList;
  }

  // ---- signing in ---------------------------------------------------------------------------

  function devSignIn(out) {
    var dept = h('select', { name: 'devDept' });
    fetch('/public/Departments', { headers: { accept: 'application/json' } }).then(unwrap).then(function (d) {
      append(dept, d.departments.map(function (x) { return h('option', { value: x.code }, x.name); }));
    });
    function take(role) {
      out.replaceChildren(busy());
      var query = new URLSearchParams({ role: role });
      if (role === 'department') query.set('dept', dept.value);
      fetch('/dev/token?' + query.toString(), { headers: { accept: 'application/json' } })
        .then(function (response) {
          return response.ok ? response.json() : unwrap(response);
        }, offline)
        .then(function (body) {
          sessionStorage.setItem(TOKEN, body.token);
          location.hash = '#/';
        }, function (error) { out.replaceChildren(problemBox(error)); });
    }
    return h('div', { class: 'dev' }, [
      h('h2', null, '开发环境'),
      h('p', { class: 'hint' }, '开发模式下可直接取得开发令牌（正式部署由统一身份认证签发）。'),
      labelled('部门', dept),
      h('p', null, [
        h('button', { type: 'button', onclick: function () { take('department'); } }, '以部门身份进入'), ' ',
        h('button', { type: 'button', class: 'secondary', onclick: function () { take('discipline'); } }, '以纪委监委身份进入'),
      ]),
    ]);
  }

  function login(where) {
    var out = h('div', { class: 'out' });
    var why = where.query.get('why');
    var form = h('form', { class: 'login' }, [
      labelled('令牌', h('textarea', { name: 'token', rows: 4, required: true, autocomplete: 'off', spellcheck: 'false' }),
        '粘贴统一身份认证签发的访问令牌（JWT），只保存在本窗口，关闭即失效。'),
      h('button', { type: 'submit' }, '登录'),
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      sessionStorage.setItem(TOKEN, value(form, 'token'));
      if (!claims()) {
        sessionStorage.removeItem(TOKEN);
        out.replaceChildren(problemBox(new Problem('令牌无法识别或已过期')));
        return;
      }
      location.hash = '#/';
    });
    return h('div', { class: 'login' }, [
      h('h1', null, '登录监管工作台'),
      why ? problemBox(new Problem(why)) : null,
      form, out,
      DEV ? devSignIn(out) : null,
    ]);
  }

  // ---- cards --------------------------------------------------------------------------------

  var seen = {};  // cards by id, as last read: the detail page opens from the list at once

  function remember(card) {
    seen[card.id] = card;
    return card;
  }

  function evidenceList(evidence) {
    if (!evidence || typeof evidence !== 'object') return h('p', null, '无');
    var dl = h('dl', { class: 'evidence' });
    Object.keys(evidence).forEach(function (key) {
      var v = evidence[key];
      dl.appendChild(h('dt', null, key));
      dl.appendChild(h('dd', null, v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)));
    });
    return dl;
  }

  function colorBadge(card) {
    return badge(card.colorLabel, card.color === 'RED' ? 'bad' : 'warn');
  }

  function statusBadge(card) {
    return badge(card.statusLabel, card.status === 'CLOSED' ? 'good' : card.status === 'EXPLAINED' ? 'warn' : 'bad');
  }

  var STATUS = [['', '全部状态'], ['OPEN', '待说明'], ['EXPLAINED', '已说明（待审核）'], ['CLOSED', '已关闭']];
  var COLORS = [['', '全部'], ['RED', '红牌'], ['YELLOW', '黄牌']];
  var OUTCOMES = [['UPHELD', '属实'], ['UNFOUNDED', '不属实（误报）'], ['SERIOUS', '严重差错']];
  var KINDS = [['', '全部'], ['CASE', '办件监察'], ['PAYMENT', '惠民资金疑点'], ['COMPLAINT', '投诉建议']];

  function cardList(where) {
    var q = where.query;
    var filter = { status: q.has('status') ? q.get('status') : (isDiscipline() ? 'EXPLAINED' : 'OPEN'), color: q.get('color') || '', kind: q.get('kind') || '' };
    var form = h('form', { class: 'toolbar' }, [
      labelled('状态', select('status', STATUS, filter.status)),
      labelled('颜色', select('color', COLORS, filter.color)),
      labelled('类别', select('kind', KINDS, filter.kind)),
      h('button', { type: 'submit' }, '筛选'),
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      location.hash = '#/?' + new URLSearchParams({ status: value(form, 'status'), color: value(form, 'color'), kind: value(form, 'kind') }).toString();
    });
    var body = h('tbody');
    var count = h('p', { class: 'count' });
    var more = h('div', { class: 'more' });
    var chosen = {};
    var bulkOut = h('div', { class: 'out' });
    var bulk = isDiscipline() ? bulkClose(chosen, bulkOut) : null;
    function row(card) {
      remember(card);
      var box = bulk && card.status !== 'CLOSED'
        ? h('input', { type: 'checkbox', 'aria-label': '选择 ' + card.id, onchange: function (e) {
          if (e.target.checked) chosen[card.id] = true; else delete chosen[card.id];
        } })
        : '';
      return h('tr', { class: card.color.toLowerCase() }, [
        h('td', null, box),
        h('td', null, h('a', { href: '#/card/' + card.id }, '#' + card.id)),
        h('td', null, [colorBadge(card), ' ', card.ruleLabel]),
        h('td', null, card.department ? card.department.name : '—'),
        h('td', null, card.caseNo ? h('a', { href: '#/case/' + encodeURIComponent(card.caseNo) }, card.caseNo) : (card.subject || '—')),
        h('td', null, card.dueOn || '—'),
        h('td', null, moment(card.raisedAt)),
        h('td', null, statusBadge(card)),
      ]);
    }
    function page(after) {
      more.replaceChildren(busy());
      return gql(CARDS, { filter: filter, orderBy: 'DUE', first: 50, after: after }).then(function (data) {
        var found = data.cards;
        count.textContent = '共 ' + found.totalCount + ' 张，按到期日排列（办件按承诺办结日，投诉按受理期限）';
        append(body, found.nodes.map(row));
        more.replaceChildren(found.pageInfo.hasNextPage
          ? h('button', { type: 'button', class: 'secondary', onclick: function () { page(found.pageInfo.endCursor); } }, '加载更多')
          : h('p', { class: 'end' }, body.children.length ? '已全部显示' : '没有符合条件的监察卡'));
      }, function (error) { more.replaceChildren(problemBox(error)); });
    }
    return page(null).then(function () {
      return h('div', null, [
        h('h1', null, isDiscipline() ? '待审核监察卡' : '待办监察卡'),
        form,
        bulk, bulkOut,
        count,
        h('div', { class: 'scroll' }, h('table', { class: 'cards' }, [
          h('thead', null, h('tr', null, ['', '编号', '规则', '部门', '办件 / 对象', '到期日', '发牌时间', '状态'].map(function (t) { return h('th', { scope: 'col' }, t); }))),
          body])),
        more,
      ]);
    });
  }

  /** Discipline closes several reviewed cards with one opinion; each answer is reported. */
  function bulkClose(chosen, out) {
    var form = h('form', { class: 'bulk' }, [
      labelled('批量关闭：审核意见', h('input', { name: 'note', required: true, maxlength: 500, placeholder: '如：说明属实，已整改' })),
      h('button', { type: 'submit' }, '关闭所选监察卡'),
    ]);
    submitting(form, out, function () {
      var ids = Object.keys(chosen).map(Number);
      if (!ids.length) throw new Problem('请先勾选要关闭的监察卡');
      var note = value(form, 'note');
      var results = [];
      return ids.reduce(function (done, id) {
        return done.then(function () {
          return gql(CLOSE, { id: id, note: note }).then(function (d) {
            remember(d.closeCard);
            results.push('#' + id + ' 已关闭');
          }, function (error) {
            results.push('#' + id + ' 未关闭：' + error.message);
          });
        });
      }, Promise.resolve()).then(function () {
        return h('div', { class: 'done', role: 'status' }, [h('p', null, '处理结果'), h('ul', null, results.map(function (r) { return h('li', null, r); }))]);
      });
    });
    return form;
  }

  function cardActions(card, out) {
    if (card.status === 'CLOSED') return null;
    if (!isDiscipline()) {
      if (card.status !== 'OPEN') return h('p', { class: 'hint' }, '说明已提交，等待纪委监委审核。');
      var explain = h('form', { class: 'actions' }, [
        labelled('情况说明', h('textarea', { name: 'text', required: true, rows: 4, maxlength: 2000, placeholder: '写明原因与整改措施' })),
        h('button', { type: 'submit' }, '提交说明'),
      ]);
      submitting(explain, out, function () {
        return gql(EXPLAIN, { id: card.id, text: value(explain, 'text') }).then(function (d) {
          remember(d.explainCard);
          explain.remove();
          return h('p', { class: 'done', role: 'status' }, '说明已提交，等待纪委监委审核。');
        });
      });
      return explain;
    }
    var choices = [['close', '审核通过并关闭'], ['return', '退回，限期重新说明'], ['escalate', '督办，限期整改']];
    if (card.status !== 'EXPLAINED') choices = choices.filter(function (c) { return c[0] !== 'return'; });
    if (card.escalatedAt) choices = choices.filter(function (c) { return c[0] !== 'escalate'; });
    var review = h('form', { class: 'actions' }, [
      labelled('处理', select('decision', choices, choices[0][0])),
      labelled('认定（关闭时）', select('outcome', OUTCOMES, 'UPHELD'), '计入部门绩效：属实按牌扣分，不属实不扣分，严重差错扣 3 分'),
      labelled('期限（退回、督办时）', h('input', { name: 'due', type: 'date', value: daysAhead(5), min: daysAhead(1) })),
      labelled('审核意见', h('textarea', { name: 'note', required: true, rows: 3, maxlength: 500 })),
      h('button', { type: 'submit' }, '提交审核意见'),
    ]);
    submitting(review, out, function () {
      var decision = value(review, 'decision');
      var note = value(review, 'note');
      var asked = decision === 'close'
        ? gql(CLOSE, { id: card.id, note: note, outcome: value(review, 'outcome') }).then(function (d) { return d.closeCard; })
        : gql(decision === 'return' ? RETURN : ESCALATE, { id: card.id, note: note, due: value(review, 'due') })
          .then(function (d) { return d.returnCard || d.escalateCard; });
      return asked.then(function (updated) {
        remember(updated);
        review.remove();
        var told = {
          close: '监察卡已关闭' + (card.caseNo ? '；该办件的红牌全部关闭后自动解锁。' : '。'),
          return: '已退回部门，限 ' + updated.explainDueOn + ' 前重新说明。',
          escalate: '已督办，限 ' + updated.explainDueOn + ' 前整改并说明。',
        };
        return h('p', { class: 'done', role: 'status' }, told[decision]);
      });
    });
    return review;
  }

  /** A day ``n`` days after today in China, as an input of type date wants it. */
  function daysAhead(n) {
    return new Date(Date.now() + 8 * 3600 * 1000 + n * 86400 * 1000).toISOString().slice(0, 10);
  }

  function cardDetail(where) {
    var card = seen[where.arg];
    if (!card) {
      return h('div', null, [h('h1', null, '监察卡 #' + where.arg), h('p', null, ['请从', h('a', { href: '#/' }, '待办列表'), '打开。'])]);
    }
    var out = h('div', { class: 'out' });
    return h('div', null, [
      h('h1', null, ['监察卡 #', String(card.id), ' ', colorBadge(card), ' ', statusBadge(card)]),
      h('div', { class: 'split' }, [
        section('发牌情况', [
          facts([
            ['规则', card.ruleLabel],
            ['部门', card.department ? card.department.name : null],
            ['办件', card.caseNo ? h('a', { href: '#/case/' + encodeURIComponent(card.caseNo) }, card.caseNo) : null],
            ['环节', card.subject],
            ['责任人工号', card.staffNo],
            ['发牌时间', moment(card.raisedAt)],
            ['到期日', card.dueOn],
            ['督办', card.escalatedAt ? moment(card.escalatedAt) + ' ' + (card.escalationNote || '') : null],
            ['重新说明或整改期限', card.explainDueOn],
            ['办件锁定', card.caseLocked === null ? null : (card.caseLocked ? '已锁定' : '未锁定')],
            ['部门说明', card.explanation],
            ['说明人', card.explainedBy],
            ['说明时间', moment(card.explainedAt)],
            ['关闭人', card.closedBy],
            ['关闭时间', moment(card.closedAt)],
            ['关闭意见', card.closingNote],
          ]),
          card.notifications && card.notifications.length ? h('h2', null, '通知') : null,
          card.notifications && card.notifications.length ? table(['对象', '状态', '尝试次数', '送达时间'], card.notifications.map(function (n) {
            return [(n.recipientName || '') + '（' + n.recipient + '）', { PENDING: '待发送', DELIVERED: '已送达', FAILED: '发送失败' }[n.status] || n.status,
              String(n.attemptCount), moment(n.deliveredAt)];
          })) : null,
          h('h2', null, '证据'),
          evidenceList(card.evidence),
        ]),
        section('处理', [cardActions(card, out) || h('p', null, '已办结。'), out]),
      ]),
    ]);
  }

  // ---- cases ------------------------------------------------------------------------------

  function caseDossier(where) {
    var form = h('form', { class: 'toolbar' }, [
      labelled('办件编号', h('input', { name: 'caseNo', required: true, maxlength: 40, value: where.arg })),
      h('button', { type: 'submit' }, '查看'),
    ]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      location.hash = '#/case/' + encodeURIComponent(value(form, 'caseNo'));
    });
    if (!where.arg) return h('div', null, [h('h1', null, '办件档案'), form]);
    return gql(CASE, { caseNo: where.arg }).then(function (data) {
      var c = data.case;
      if (!c) return h('div', null, [h('h1', null, '办件档案'), form, problemBox(new Problem('没有这个办件，或不在本部门的范围内'))]);
      c.cards.forEach(remember);
      return h('div', null, [
        h('h1', null, ['办件 ', c.caseNo, ' ', c.locked ? badge('已锁定', 'bad') : badge('未锁定', 'good')]),
        form,
        h('div', { class: 'split' }, [
          section('基本情况', facts([
            ['状态', c.stateLabel],
            ['事项', c.power ? c.power.name : null],
            ['部门', c.department ? c.department.name : null],
            ['受理渠道', c.channelLabel],
            ['接件时间', moment(c.receivedAt)],
            ['受理日期', c.acceptedOn],
            ['承诺办结日期', c.promisedDueOn],
            ['法定办结日期', c.statutoryDueOn],
            ['办结日期', c.completedOn],
            ['是否按时', c.onTime === null ? null : (c.onTime ? '按时' : '超期')],
            ['当前环节', c.currentStepName],
            ['承办人工号', c.handlerStaffNo],
            ['收费（元）', c.feeChargedYuan],
            ['不予受理/许可理由', c.refusalReason],
          ])),
          section('监察卡', c.cards.length ? table(['编号', '规则', '状态', '发牌时间'], c.cards.map(function (k) {
            return [h('a', { href: '#/card/' + k.id }, '#' + k.id), k.colorLabel + ' · ' + k.ruleLabel, k.statusLabel, moment(k.raisedAt)];
          })) : h('p', null, '无')),
        ]),
        section('环节办理记录', c.steps.length ? table(['环节', '办理人', '开始', '完成', '意见'], c.steps.map(function (s) {
          return [s.stepKey, s.staffNo, moment(s.startedAt), moment(s.finishedAt), s.opinion];
        })) : h('p', null, '尚无环节记录')),
        section('锁定、说明与解锁', c.lockHistory.length ? table(['时间', '动作', '操作人', '说明'], c.lockHistory.map(function (l) {
          return [moment(l.at), { locked: '锁定', explained: '说明', returned: '退回', escalated: '督办', released: '解锁' }[l.action] || l.action, l.actor, l.note];
        })) : h('p', null, '无')),
      ]);
    });
  }

  function overdue(where) {
    var discipline = isDiscipline();
    var chooser = discipline ? departments() : Promise.resolve([]);
    return chooser.then(function (depts) {
      var code = where.query.get('dept') || '';
      var form = discipline ? h('form', { class: 'toolbar' }, [
        labelled('部门', select('dept', [['', '全县']].concat(depts.map(function (d) { return [d.code, d.name]; })), code)),
        h('button', { type: 'submit' }, '查看'),
      ]) : null;
      if (form) {
        form.addEventListener('submit', function (event) {
          event.preventDefault();
          location.hash = '#/overdue?dept=' + encodeURIComponent(value(form, 'dept'));
        });
      }
      var count = h('p', { class: 'count' });
      return ui.pagedTable(['办件编号', '事项', '部门', '状态', '受理日期', '承诺办结', '承办人', '锁定'], function (after) {
        return gql(OVERDUE, { filter: { departmentCode: code }, first: 50, after: after }).then(function (d) {
          count.textContent = '共 ' + d.overdueCases.totalCount + ' 件，最逾期的在前';
          return d.overdueCases;
        });
      }, function (c) {
        return [h('a', { href: '#/case/' + encodeURIComponent(c.caseNo) }, c.caseNo), c.power ? c.power.name : null,
          c.department ? c.department.name : null, c.stateLabel, c.acceptedOn, c.promisedDueOn, c.handlerStaffNo, c.locked ? '是' : '否'];
      }, '没有逾期未办结的办件').then(function (list) {
        return h('div', null, [h('h1', null, '逾期办件'), form, count, list]);
      });
    });
  }

  function score(where) {
    var months = monthsBack(12);
    var period = where.query.get('period') || months[0];
    var form = h('form', { class: 'toolbar' }, [labelled('考核期', select('period', months.map(function (m) { return [m, m]; }), period))]);
    form.elements.namedItem('period').addEventListener('change', function (event) {
      location.hash = '#/score?period=' + event.target.value;
    });
    var own = claims() && claims().dept;
    return gql(SCORE, { period: period }).then(function (data) {
      var report = data.departmentPerformance;
      var rows = report.rows.filter(function (r) { return !own || r.department.code === own; });
      var mine = report.corrections.filter(function (c) { return !own || c.department.code === own; });
      return h('div', null, [
        h('h1', null, '绩效得分'),
        form,
        table(['名次', '部门', '等次', '得分', '加分', '扣分', '办结', '按时率', '平均用时/承诺', '超期', '黄牌', '红牌', '严重差错',
          '不属实', '超期件的时限卡（不另扣）', '差评', '投诉', '资金监管分'], rows.map(function (r) {
          return [r.rank === null ? (r.note || '不排名') : String(r.rank), r.department.name, r.grade, String(r.score), String(r.bonus),
            String(r.deductions), String(r.completed), percent(r.onTimeRate),
            (r.averageUsedDays === null ? '—' : r.averageUsedDays) + ' / ' + (r.averagePromisedDays === null ? '—' : r.averagePromisedDays),
            String(r.lateCases), String(r.yellowCards), String(r.redCards), String(r.seriousErrors), String(r.unfoundedCards),
            String(r.lateCaseCards), String(r.badRatings), String(r.complaints),
            r.subsidyScore === null ? null : r.subsidyScore + '（红 ' + r.subsidyRedFlags + ' / 黄 ' + r.subsidyYellowFlags + '）'];
        })),
        report.publishedAt ? h('p', { class: 'hint' }, '已于 ' + moment(report.publishedAt) + ' 公布；公布后到达的事实只列为更正。') : null,
        mine.length ? section('更正', table(['部门', '项目', '公布值', '现值'], mine.map(function (c) {
          return [c.department.code, c.field, String(c.published), String(c.now)];
        }))) : null,
        section('计分规则', h('ol', null, report.rules.map(function (rule) { return h('li', null, rule); }))),
      ]);
    });
  }

  // ---- personal data, read with a reason ---------------------------------------------------

  function reasonField() {
    return labelled('查阅事由', h('input', { name: 'reason', required: true, maxlength: 200, placeholder: '如：核查信访件（记入审计）' }),
      '查看个人信息须写明事由，连同查看人、时间和内容记入不可篡改的审计记录。');
  }

  function household() {
    var out = h('div', { class: 'out' });
    var form = h('form', { class: 'toolbar' }, [
      labelled('户编号', h('input', { name: 'no', maxlength: 30 })),
      labelled('或成员身份证号', h('input', { name: 'id', maxlength: 18 })),
      reasonField(),
      h('button', { type: 'submit' }, '查看户档案'),
    ]);
    submitting(form, out, function () {
      var vars = { no: value(form, 'no'), id: value(form, 'id') };
      var reason = value(form, 'reason');
      if (!vars.no && !vars.id) throw new Problem('请填写户编号或成员身份证号');
      return gql(HOUSEHOLD, vars, reason).then(function (data) {
        var hh = data.household;
        if (!hh) return problemBox(new Problem('没有这一户，或不在您的范围内'));
        var first = hh.payments;
        return ui.pagedTable(['补助编号', '资金', '批次', '所属期', '金额', '享受人', '四个监测点（谁、何时录入）'], function (after) {
          if (!after) return Promise.resolve(first);
          return gql(HOUSEHOLD, Object.assign({ after: after }, vars), reason).then(function (d) { return d.household.payments; });
        }, function (p) {
          return [p.paymentNo, p.fundName, p.batchNo, p.period, p.amountYuan, p.beneficiary,
            p.stages.map(function (st) { return st.stageLabel + ' ' + (st.onDay || '') + ' ' + (st.recordedByName || st.recordedBy || ''); }).join('；')];
        }, '没有补助记录').then(function (payments) {
          return h('div', null, [
            h('h2', null, ['户 ', hh.householdNo, ' · ', hh.village ? hh.village.name : hh.villageCode]),
            facts([['地址', hh.address], ['耕地（亩）', hh.landMu], ['补助笔数', String(first.totalCount)]]),
            section('成员', table(['姓名', '身份证号', '与户主关系', '户主', '死亡日期'], hh.members.map(function (m) {
              return [m.name, m.idNumber, m.relation, m.isHead ? '是' : '', m.deceasedOn];
            }))),
            section('疑点', hh.redFlags.length ? table(['监察卡', '规则', '状态', '发现日期', '补助编号'], hh.redFlags.map(function (f) {
              return ['#' + f.cardId, f.ruleLabel, f.status, f.raisedOn, f.paymentNo];
            })) : h('p', null, '无')),
            section('补助与监测点', payments),
          ]);
        });
      });
    });
    return h('div', null, [h('h1', null, '户档案'), form, out]);
  }

  function trail() {
    var out = h('div', { class: 'out' });
    var form = h('form', { class: 'toolbar' }, [
      labelled('被查看人身份证号', h('input', { name: 'idNumber', maxlength: 18 })),
      labelled('或查看人（工号）', h('input', { name: 'reader', maxlength: 60 })),
      labelled('自', h('input', { name: 'fromDay', type: 'date' })),
      labelled('至', h('input', { name: 'toDay', type: 'date' })),
      reasonField(),
      h('button', { type: 'submit' }, '查询审计记录'),
    ]);
    submitting(form, out, function () {
      var filter = { idNumber: value(form, 'idNumber'), reader: value(form, 'reader'), fromDay: value(form, 'fromDay'), toDay: value(form, 'toDay') };
      var reason = value(form, 'reason');
      return ui.pagedTable(['时间', '查看人', '单位', '内容', '字段', '事由', '操作'], function (after) {
        return gql(TRAIL, { filter: filter, after: after }, reason).then(function (d) { return d.auditRecords; });
      }, function (r) {
        return [moment(r.at), r.reader.subject + '（' + r.reader.roleLabel + '）', r.reader.department ? r.reader.department.name : null,
          r.recordType + ' ' + r.recordId, (r.fields || []).join('、'), r.reason, r.operation];
      }, '没有符合条件的记录');
    });
    return h('div', null, [h('h1', null, '查阅审计'), h('p', { class: 'hint' }, '谁看了某人的信息，某人看了什么：按被查看人或查看人查询。'), form, out]);
  }

  // ---- routing ----------------------------------------------------------------------------

  function signedIn(page) {
    return function (where) {
      if (!claims()) {
        location.hash = '#/login';
        return h('p', { class: 'loading' }, '请先登录');
      }
      return page(where);
    };
  }

  ui.route(view, {
    login: login,
    '': signedIn(function (where) {
      if (claims().role !== 'township') return cardList(where);
      location.hash = '#/household';  // a township has no cards of its own: its villages' money
      return h('p', { class: 'loading' }, '正在加载……');
    }),
    card: signedIn(cardDetail),
    case: signedIn(caseDossier),
    overdue: signedIn(overdue),
    score: signedIn(score),
    household: signedIn(household),
    trail: signedIn(trail),
  }, function () {
    return h('div', null, [h('h1', null, '页面不存在'), h('p', null, h('a', { href: '#/' }, '返回待办'))]);
  }, function (where, node) {
    showWho();
    document.querySelectorAll('#nav a').forEach(function (a) {
      a.classList.toggle('current', a.getAttribute('data-section') === (where.name === 'card' ? '' : where.name));
    });
    document.title = (node.querySelector('h1') ? node.querySelector('h1').textContent + ' · ' : '') + '监管工作台';
  });
})();
