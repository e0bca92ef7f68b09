/*
 * 阳光政务 · the reference public app.
 *
 * Built only on the public API: every read is a plain GET of a vetted document
 * (/public/<Operation>), every write a POST of a vetted document by its id (/graphql), the ids
 * read from /public/manifest.json. No framework, no dependency, nothing fetched from elsewhere.
 * Everything shown comes from the API as it is (personal data arrives masked); data is written
 * into the page as text, never as HTML.
 *
 * Two layouts from this one script: the phone (H5, WeChat's browser) by default, and the kiosk
 * (1080×1920 portrait touch) with ?mode=kiosk, which returns home after 90 s without a touch.
 */
(function () {
  'use strict';

  var view = document.getElementById('view');
  var KIOSK = new URLSearchParams(location.search).get('mode') === 'kiosk';
  var IDLE_MS = 90 * 1000;
  if (KIOSK) document.documentElement.classList.add('kiosk');

  var ui = window.SunshineUI;
  var h = ui.h, append = ui.append, section = ui.section, facts = ui.facts, table = ui.table;
  var pagedTable = ui.pagedTable, labelled = ui.labelled, select = ui.select, problemBox = ui.problemBox;
  var busy = ui.busy, badge = ui.badge, pill = ui.pill, moment = ui.moment, yuan = ui.yuan, days = ui.days;
  var percent = ui.percent, monthsBack = ui.monthsBack, Problem = ui.Problem, unwrap = ui.unwrap;
  var offline = ui.offline, filled = ui.filled, once = ui.once, submitting = ui.submitting, value = ui.value;
  var CHART_WIDTH = KIOSK ? 640 : 420;

  // ---- the API ----------------------------------------------------------------------------

  /** A vetted read over GET: cacheable by the browser and any proxy between. */
  function read(operation, variables) {
    var vars = filled(variables || {});
    var search = Object.keys(vars).length ? '?variables=' + encodeURIComponent(JSON.stringify(vars)) : '';
    return fetch('/public/' + operation + search, { headers: { accept: 'application/json' } })
      .then(unwrap, offline);
  }

  var manifest = null;

  function documentId(operation) {
    manifest = manifest || fetch('/public/manifest.json', { headers: { accept: 'application/json' } })
      .then(function (r) { return r.json(); });
    return manifest.then(function (m) {
      var entries = Array.isArray(m) ? m : Array.isArray(m.documents) ? m.documents : Object.values(m);
      var found = entries.filter(function (d) { return d && d.operation === operation; })[0];
      if (!found) throw new Problem('服务暂不支持此操作');
      return found.sha256 || found.id;
    });
  }

  /** A vetted write: POST of the document's id with its variables. */
  function write(operation, variables) {
    return documentId(operation).then(function (id) {
      return fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ id: id, variables: filled(variables) }),
      }).then(unwrap, offline);
    });
  }

  function departments() {
    return once('departments', function () {
      return read('Departments').then(function (d) { return d.departments; });
    });
  }

  function funds() {
    return once('funds', function () { return read('Funds').then(function (d) { return d.funds; }); });
  }

  function regions(parentCode, level) {
    return once('regions:' + parentCode + ':' + level, function () {
      return read('Regions', { parentCode: parentCode, level: level }).then(function (d) { return d.regions; });
    });
  }

  // ---- pages ------------------------------------------------------------------------------

  function home() {
    var tiles = [
      ['#/powers', '权力清单', '查事项：办事条件、材料、时限、收费、流程图'],
      ['#/case', '办件查询', '凭办件编号和查询码查进度，办结后评价'],
      ['#/complaint', '投诉建议', '提交投诉或建议，查询处理结果'],
      ['#/subsidy', '惠民资金', '实名查询补助、村级公示名单、资金统计'],
      ['#/ranking', '部门排名', '各部门按时办结与绩效排名'],
    ];
    return h('div', { class: 'home' }, [
      h('h1', null, '欢迎使用阳光政务'),
      h('p', { class: 'lead' }, '让权力在阳光下运行：事项怎么办、办到哪一步、资金发给了谁，一查便知。'),
      h('div', { class: 'tiles' }, tiles.map(function (t) {
        return h('a', { class: 'tile', href: t[0] }, [h('strong', null, t[1]), h('span', null, t[2])]);
      })),
    ]);
  }

  var CATEGORIES = [
    ['', '全部类别'], ['LICENSING', '行政许可'], ['PENALTY', '行政处罚'], ['COERCION', '行政强制'],
    ['LEVY', '行政征收'], ['BENEFIT', '行政给付'], ['INSPECTION', '行政检查'], ['CONFIRMATION', '行政确认'],
    ['REWARD', '行政奖励'], ['ADJUDICATION', '行政裁决'], ['PUBLIC_SERVICE', '公共服务'], ['OTHER', '其他行政权力'],
  ];

  function powerCard(p) {
    return h('li', null, h('a', { class: 'item', href: '#/power/' + encodeURIComponent(p.code) }, [
      h('strong', null, p.name),
      h('span', { class: 'meta' }, [badge(p.categoryLabel), ' ', p.department ? p.department.shortName : '',
        p.promisedLimitDays !== null ? ' · 承诺 ' + p.promisedLimitDays + ' 个工作日' : '',
        ' · ', p.fee ? p.fee.label : '', ' · 跑动 ' + p.visitsNeeded + ' 次']),
    ]));
  }

  function powerList(route) {
    var q = route.query;
    var filter = { keyword: q.get('keyword') || '', category: q.get('category') || '', departmentCode: q.get('dept') || '' };
    return departments().then(function (depts) {
      var form = h('form', { class: 'search', role: 'search' }, [
        labelled('关键词', h('input', { name: 'keyword', type: 'search', value: filter.keyword, placeholder: '如：食品、营业执照', maxlength: 50 })),
        labelled('类别', select('category', CATEGORIES, filter.category)),
        labelled('部门', select('dept', [['', '全部部门']].concat(depts.map(function (d) { return [d.code, d.name]; })), filter.departmentCode)),
        h('button', { type: 'submit' }, '搜索'),
      ]);
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        var next = new URLSearchParams(filled({ keyword: value(form, 'keyword'), category: value(form, 'category'), dept: value(form, 'dept') }));
        location.hash = '#/powers?' + next.toString();
      });
      var list = h('ul', { class: 'list' });
      var count = h('p', { class: 'count' });
      var more = h('div', { class: 'more' });
      function page(after) {
        more.replaceChildren(busy());
        return read('PowerSearch', { filter: filter, first: 20, after: after }).then(function (data) {
          var found = data.powers;
          count.textContent = '共 ' + found.totalCount + ' 项';
          append(list, found.nodes.map(powerCard));
          more.replaceChildren(found.pageInfo.hasNextPage
            ? h('button', { type: 'button', class: 'secondary', onclick: function () { page(found.pageInfo.endCursor); } }, '加载更多')
            : (found.totalCount ? h('p', { class: 'end' }, '已全部显示') : h('p', { class: 'end' }, '没有符合条件的事项')));
        }, function (error) { more.replaceChildren(problemBox(error)); });
      }
      return page(null).then(function () {
        return h('div', null, [h('h1', null, '权力清单'), form, count, list, more]);
      });
    });
  }

  /** The process map as an image, wide enough to read; the current step marked when given. */
  function processMap(code, currentStep) {
    var src = '/maps/' + encodeURIComponent(code) + '.svg';
    var params = new URLSearchParams();
    if (currentStep) params.set('current', currentStep);
    params.set('layout', KIOSK ? 'kiosk' : 'phone');
    if (params.toString()) src += '?' + params.toString();
    return h('figure', { class: 'map' }, [
      h('img', { src: src, alt: '办理流程图' + (currentStep ? '（已标出当前环节）' : ''), loading: 'lazy' }),
      h('figcaption', null, currentStep ? '黄色标出的是当前所在环节' : '办理流程图'),
    ]);
  }

  function powerDetail(route) {
    return read('PowerDetail', { code: route.arg }).then(function (data) {
      var p = data.power;
      if (!p) return h('div', null, [h('h1', null, '未找到该事项'), h('p', null, '编码 ' + route.arg + ' 没有对应的公开事项。')]);
      var dept = p.department || {};
      var steps = p.processMap ? p.processMap.nodes : [];
      return h('article', { class: 'power' }, [
        h('h1', null, p.name),
        h('p', { class: 'meta' }, [badge(p.categoryLabel), ' ', badge(p.statusLabel, p.status === 'PUBLISHED' ? 'good' : 'warn'), ' 事项编码 ', p.code]),
        section('办事指南', facts([
          ['实施部门', dept.name],
          ['办理地点', dept.hall || dept.address],
          ['咨询电话', dept.phone],
          ['法定时限', days(p.statutoryLimitDays)],
          ['承诺时限', days(p.promisedLimitDays)],
          ['到现场次数', p.visitsNeeded + ' 次'],
          ['收费', p.fee ? p.fee.label + (p.fee.basis ? '（依据：' + p.fee.basis + '）' : '') : null],
          ['并联审批', p.parallelApproval ? '是' : null],
          ['设定依据', p.legalBasis],
          ['公布日期', p.publishedOn],
        ])),
        section('受理条件', h('p', { class: 'prose' }, p.conditions || '无特别条件')),
        section('申请材料', p.materials.length ? h('ol', { class: 'materials' }, p.materials.map(function (m) {
          return h('li', null, [h('strong', null, m.name), h('span', { class: 'meta' },
            ' · ' + m.copies + ' 份' + (m.originalRequired ? ' · 需原件' : '') + (m.note ? ' · ' + m.note : ''))]);
        })) : h('p', null, '无需提交材料')),
        p.procedure ? section('办理程序', h('p', { class: 'prose' }, p.procedure)) : null,
        section('流程图', [
          processMap(p.code, null),
          steps.length ? h('ol', { class: 'steps' }, steps.map(function (n) {
            return h('li', null, [h('strong', null, n.name), h('span', { class: 'meta' },
              [n.post ? ' · ' + n.post : '', n.limitDays !== null ? ' · ' + n.limitDays + ' 个工作日' : ''])]);
          })) : null,
        ]),
        p.adjustments.length ? section('调整记录', table(['日期', '调整', '原因', '文号'], p.adjustments.map(function (a) {
          return [a.effectiveOn, a.kindLabel, a.reason, a.documentNo];
        }))) : null,
        section('咨询与投诉', facts([['咨询', p.consultationChannel], ['投诉', p.complaintChannel]])),
        h('p', null, h('a', { class: 'button secondary', href: '#/complaint?about=department&ref=' + encodeURIComponent(dept.code || '') }, '对此事项办理提意见')),
      ]);
    });
  }

  var LEVELS = [
    ['VERY_SATISFIED', '非常满意'], ['SATISFIED', '满意'], ['BASICALLY_SATISFIED', '基本满意'],
    ['DISSATISFIED', '不满意'], ['VERY_DISSATISFIED', '非常不满意'],
  ];

  function ratingForm(caseNo, queryCode) {
    var out = h('div', { class: 'out' });
    var form = h('form', { class: 'rating' }, [
      h('fieldset', null, [h('legend', null, '请为本次办理评价（好差评）')].concat(LEVELS.map(function (l, i) {
        return h('label', { class: 'choice' }, [h('input', { type: 'radio', name: 'level', value: l[0], required: i === 0 }), l[1]]);
      }))),
      labelled('意见（可不填）', h('textarea', { name: 'comment', maxlength: 500, rows: 3 })),
      h('button', { type: 'submit' }, '提交评价'),
    ]);
    submitting(form, out, function () {
      var level = form.querySelector('input[name=level]:checked').value;
      return write('RateCase', { caseNo: caseNo, queryCode: queryCode, level: level, comment: value(form, 'comment') })
        .then(function (data) {
          var r = data.rateCase;
          form.remove();
          return h('p', { class: 'done', role: 'status' }, '已收到您的评价：' + r.levelLabel + '。' +
            (r.bad ? '部门须在 ' + r.rectifyDueOn + ' 前整改并答复。' : '感谢您的评价。'));
        });
    });
    return h('div', null, [form, out]);
  }

  function caseResult(c, queryCode) {
    var timing = c.onTime === true ? badge(c.completedOn ? '按时办结' : '在承诺时限内', 'good')
      : c.onTime === false ? badge('已超期', 'bad') : badge('办理中');
    return h('div', { class: 'case' }, [
      h('h2', null, [c.stateLabel, ' ', timing]),
      facts([
        ['办件编号', c.caseNo],
        ['事项', c.power ? h('a', { href: '#/power/' + encodeURIComponent(c.power.code) }, c.power.name) : null],
        ['承办部门', c.department ? c.department.name : null],
        ['部门电话', c.department ? c.department.phone : null],
        ['申请人', c.applicantName],
        ['申请方式', c.channelLabel],
        ['接件时间', moment(c.receivedAt)],
        ['受理日期', c.acceptedOn],
        ['承诺办结日期', c.promisedDueOn],
        ['办结日期', c.completedOn],
        ['当前环节', c.completedOn ? null : c.currentStepName],
      ]),
      c.timeline.length ? section('办理过程', h('ol', { class: 'timeline' }, c.timeline.map(function (s) {
        return h('li', { class: s.finishedOn ? 'finished' : 'current' }, [
          h('strong', null, s.stepName),
          h('span', { class: 'meta' }, ' ' + s.startedOn + ' 开始' + (s.finishedOn ? '，' + s.finishedOn + ' 完成' : '，办理中')),
        ]);
      }))) : null,
      c.subCases.length ? section('并联办件', table(['办件编号', '部门', '状态'], c.subCases.map(function (s) {
        return [s.caseNo, s.department ? s.department.name : null, s.stateLabel];
      }))) : null,
      c.power ? section('流程图', processMap(c.power.code, c.completedOn ? null : c.currentStepKey)) : null,
      c.completedOn ? section('好差评', ratingForm(c.caseNo, queryCode)) : null,
    ]);
  }

  function caseLookup() {
    var out = h('div', { class: 'out' });
    var form = h('form', { class: 'lookup' }, [
      labelled('办件编号', h('input', { name: 'caseNo', required: true, maxlength: 40, autocomplete: 'off', placeholder: '受理回执上的办件编号' })),
      labelled('查询码', h('input', { name: 'queryCode', required: true, maxlength: 12, inputmode: 'numeric', autocomplete: 'off', placeholder: '回执上的 6 位查询码' })),
      h('button', { type: 'submit' }, '查询进度'),
    ]);
    submitting(form, out, function () {
      var caseNo = value(form, 'caseNo');
      var queryCode = value(form, 'queryCode');
      return read('CaseStatus', { caseNo: caseNo, queryCode: queryCode }).then(function (data) {
        return caseResult(data.caseProgress, queryCode);
      });
    });
    return h('div', null, [h('h1', null, '办件查询'), form, out]);
  }

  var ABOUT = [['department', '部门'], ['case', '办件'], ['fund', '惠民资金'], ['official', '公职人员'], ['other', '其他']];

  function newKey() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return 'web-' + Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }

  function complaintSubmit(route) {
    return Promise.all([departments(), funds()]).then(function (loaded) {
      var depts = loaded[0];
      var fundList = loaded[1];
      var key = newKey();  // one per submission, kept for its retries
      var out = h('div', { class: 'out' });
      var about = select('about', ABOUT, route.query.get('about') || 'department');
      var refSlot = h('div');
      function refControl() {
        var kind = about.value;
        var preset = route.query.get('ref') || '';
        if (kind === 'department') return labelled('被投诉（建议）部门', select('aboutRef', depts.map(function (d) { return [d.code, d.name]; }), preset));
        if (kind === 'fund') return labelled('资金', select('aboutRef', fundList.map(function (f) { return [f.code, f.name]; }), preset));
        if (kind === 'case') return labelled('办件编号', h('input', { name: 'aboutRef', required: true, maxlength: 40 }));
        return labelled('涉及部门（可不选）', select('departmentCode', [['', '不确定']].concat(depts.map(function (d) { return [d.code, d.name]; })), ''));
      }
      about.addEventListener('change', function () { refSlot.replaceChildren(refControl()); });
      refSlot.appendChild(refControl());
      var form = h('form', { class: 'complaint' }, [
        h('fieldset', null, [h('legend', null, '类型'),
          h('label', { class: 'choice' }, [h('input', { type: 'radio', name: 'kind', value: 'complaint', checked: true }), '投诉']),
          h('label', { class: 'choice' }, [h('input', { type: 'radio', name: 'kind', value: 'suggestion' }), '建议'])]),
        labelled('涉及', about),
        refSlot,
        labelled('内容', h('textarea', { name: 'content', required: true, minlength: 5, maxlength: 2000, rows: 5, placeholder: '请写明事情经过和您的诉求（5–2000 字）' })),
        labelled('联系人（可不填）', h('input', { name: 'contactName', maxlength: 50, autocomplete: 'name' })),
        labelled('联系电话（可不填）', h('input', { name: 'contactPhone', type: 'tel', maxlength: 20, autocomplete: 'tel' })),
        h('button', { type: 'submit' }, '提交'),
      ]);
      submitting(form, out, function () {
        var complaint = {
          idempotencyKey: key,
          kind: form.querySelector('input[name=kind]:checked').value,
          about: about.value,
          aboutRef: value(form, 'aboutRef'),
          departmentCode: value(form, 'departmentCode'),
          content: value(form, 'content'),
          contactName: value(form, 'contactName'),
          contactPhone: value(form, 'contactPhone'),
        };
        return write('SubmitComplaint', { complaint: complaint }).then(function (data) {
          var r = data.submitComplaint;
          key = newKey();
          form.reset();
          return h('div', { class: 'done', role: 'status' }, [
            h('h2', null, '已提交'),
            facts([['查询编号', r.trackingNo], ['查询码', r.trackingCode], ['受理期限', r.acceptDueOn],
              ['处理', r.toDiscipline ? '涉及公职人员，已转纪委监委' : null]]),
            h('p', { class: 'hint' }, '请记下查询编号和查询码：查询码只显示这一次，凭它查询处理结果。'),
            h('a', { class: 'button secondary', href: '#/complaint/track?no=' + encodeURIComponent(r.trackingNo) }, '去查询'),
          ]);
        });
      });
      return h('div', null, [form, out]);
    });
  }

  function starsForm(trackingNo, trackingCode) {
    var out = h('div', { class: 'out' });
    var form = h('form', { class: 'stars' }, [
      h('fieldset', null, [h('legend', null, '对处理结果评价（1–6 星，6 星最好）')].concat([1, 2, 3, 4, 5, 6].map(function (n) {
        return h('label', { class: 'choice' }, [h('input', { type: 'radio', name: 'stars', value: n, required: n === 1 }), n + ' 星']);
      }))),
      h('button', { type: 'submit' }, '提交评价'),
    ]);
    submitting(form, out, function () {
      var stars = Number(form.querySelector('input[name=stars]:checked').value);
      return write('RateComplaint', { trackingNo: trackingNo, trackingCode: trackingCode, stars: stars }).then(function (data) {
        form.remove();
        return h('p', { class: 'done', role: 'status' }, '已评价 ' + data.rateComplaint.stars + ' 星，感谢您的监督。');
      });
    });
    return h('div', null, [form, out]);
  }

  function complaintTrack(route) {
    var out = h('div', { class: 'out' });
    var form = h('form', { class: 'lookup' }, [
      labelled('查询编号', h('input', { name: 'trackingNo', required: true, maxlength: 40, autocomplete: 'off', value: route.query.get('no') || '' })),
      labelled('查询码', h('input', { name: 'trackingCode', required: true, maxlength: 12, inputmode: 'numeric', autocomplete: 'off' })),
      h('button', { type: 'submit' }, '查询'),
    ]);
    submitting(form, out, function () {
      var no = value(form, 'trackingNo');
      var code = value(form, 'trackingCode');
      return read('TrackComplaint', { trackingNo: no, trackingCode: code }).then(function (data) {
        var c = data.trackComplaint;
        return h('div', { class: 'complaint-status' }, [
          h('h2', null, c.statusLabel),
          facts([
            ['查询编号', c.trackingNo],
            ['类型', c.kind === 'suggestion' ? '建议' : '投诉'],
            ['提交时间', moment(c.submittedAt)],
            ['受理期限', c.acceptDueOn],
            ['承办', c.toDiscipline ? '纪委监委' : c.department ? c.department.name : null],
            ['不予受理的理由', c.refusalReason],
            ['答复', c.reply],
            ['答复时间', moment(c.repliedAt)],
            ['评价', c.stars ? c.stars + ' 星' : null],
          ]),
          c.status === 'replied' && !c.stars ? starsForm(no, code) : null,
        ]);
      });
    });
    return h('div', null, [form, out]);
  }

  function complaintPage(route) {
    var tracking = route.arg === 'track';
    var body = tracking ? Promise.resolve(complaintTrack(route)) : complaintSubmit(route);
    return body.then(function (node) {
      return h('div', null, [
        h('h1', null, '投诉建议'),
        h('div', { class: 'pills' }, [pill('#/complaint', '我要投诉建议', !tracking), pill('#/complaint/track', '查询处理结果', tracking)]),
        node,
      ]);
    });
  }

  function householdLookup() {
    var out = h('div', { class: 'out' });
    var form = h('form', { class: 'lookup' }, [
      labelled('姓名', h('input', { name: 'name', required: true, maxlength: 30, autocomplete: 'off' })),
      labelled('身份证号', h('input', { name: 'idNumber', required: true, maxlength: 18, minlength: 18, autocomplete: 'off', inputmode: 'text' }), '18 位，只用于本次查询'),
      h('button', { type: 'submit' }, '查询本户补助'),
    ]);
    submitting(form, out, function () {
      var vars = { name: value(form, 'name'), idNumber: value(form, 'idNumber') };
      form.reset();  // the name and ID number are not left on a shared screen
      return pagedTable(['资金', '标准', '享受人', '所属期', '发放日期', '方式', '地址', '金额'], function (after) {
        return read('HouseholdSubsidies', Object.assign({ first: 50, after: after }, vars)).then(function (data) {
          return data.householdSubsidies;
        });
      }, function (r) {
        return [r.fundName, r.standard, r.beneficiary, r.period, r.disbursedOn, r.form, r.address, yuan(r.amountYuan)];
      }, '没有查到本户的补助记录');
    });
    return Promise.resolve(h('div', null, [
      h('p', { class: 'hint' }, '输入户内任一成员的姓名和身份证号，查询本户享受的各项补助资金。'), form, out]));
  }

  function noticeList() {
    return Promise.all([regions('', 'TOWNSHIP'), funds()]).then(function (loaded) {
      var townships = loaded[0];
      var listed = loaded[1].filter(function (f) { return f.noticeListed; });
      var township = select('township', townships.map(function (t) { return [t.code, t.name]; }), townships.length ? townships[0].code : '');
      var villageSlot = h('div');
      function villages() {
        return regions(township.value, 'VILLAGE').then(function (vs) {
          villageSlot.replaceChildren(labelled('村（社区）', select('village', vs.map(function (v) { return [v.code, v.name]; }), vs.length ? vs[0].code : '')));
        });
      }
      township.addEventListener('change', villages);
      var out = h('div', { class: 'out' });
      var form = h('form', { class: 'search' }, [
        labelled('乡镇（街道）', township),
        villageSlot,
        labelled('资金', select('fund', listed.map(function (f) { return [f.code, f.name]; }), listed.length ? listed[0].code : '')),
        labelled('月份', h('input', { name: 'month', type: 'month', required: true, value: monthsBack(1)[0] })),
        h('button', { type: 'submit' }, '查看公示名单'),
      ]);
      submitting(form, out, function () {
        var vars = { villageCode: value(form, 'village'), fundCode: value(form, 'fund'), period: value(form, 'month') + '-01', first: 50 };
        return pagedTable(['姓名', '身份证号', '地址', '所属期', '金额', '耕地（亩）'], function (after) {
          return read('NoticeList', Object.assign({ after: after }, vars)).then(function (data) { return data.noticeList; });
        }, function (n) {
          return [n.name, n.idNumber, n.address, n.period, yuan(n.amountYuan), n.landMu];
        }, '该村本月没有此项资金的公示');
      });
      return villages().then(function () { return h('div', null, [form, out]); });
    });
  }

  function subsidyStats() {
    var thisYear = new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear();
    return Promise.all([regions('', 'TOWNSHIP'), funds()]).then(function (loaded) {
      var names = {};
      loaded[0].forEach(function (t) { names[t.code] = t.name; });
      var out = h('div', { class: 'out' });
      var form = h('form', { class: 'search' }, [
        labelled('年度', select('year', [thisYear, thisYear - 1, thisYear - 2].map(function (y) { return [String(y), y + ' 年']; }), String(thisYear))),
        labelled('资金', select('fund', [['', '全部资金']].concat(loaded[1].map(function (f) { return [f.code, f.name]; })), '')),
        h('button', { type: 'submit' }, '查看统计'),
      ]);
      submitting(form, out, function () {
        return read('SubsidyAggregates', { year: Number(value(form, 'year')), fundCode: value(form, 'fund') }).then(function (data) {
          var totals = {};
          var withheld = 0;
          data.subsidyAggregates.cells.forEach(function (c) {
            if (c.withheld) { withheld += 1; return; }
            var t = totals[c.regionCode] = totals[c.regionCode] || { amount: 0, people: 0 };
            t.amount += Number(c.amountYuan);
            t.people += c.beneficiaries;
          });
          var items = Object.keys(totals).sort().map(function (code) {
            return { label: names[code] || code, value: totals[code].amount, text: (totals[code].amount / 10000).toFixed(1) + ' 万元', people: totals[code].people };
          });
          if (!items.length) return h('p', { class: 'end' }, '该年度暂无可公开的统计');
          return h('div', null, [
            ui.barChart(items, '各乡镇（街道）发放金额', CHART_WIDTH),
            table(['乡镇（街道）', '金额', '人次'], items.map(function (i) { return [i.label, i.text, String(i.people)]; })),
            withheld ? h('p', { class: 'hint' }, '有 ' + withheld + ' 组人数少于 ' + data.subsidyAggregates.minGroupSize + ' 人，为保护个人信息不单独公开。') : null,
          ]);
        });
      });
      return h('div', null, [form, out]);
    });
  }

  function subsidyPage(route) {
    var tab = route.arg || 'lookup';
    var pages = { lookup: householdLookup, notice: noticeList, stats: subsidyStats };
    return (pages[tab] || householdLookup)().then(function (node) {
      return h('div', null, [
        h('h1', null, '惠民资金'),
        h('div', { class: 'pills' }, [pill('#/subsidy', '实名查询', tab === 'lookup'), pill('#/subsidy/notice', '公示名单', tab === 'notice'), pill('#/subsidy/stats', '资金统计', tab === 'stats')]),
        node,
      ]);
    });
  }

  function rankingPage(route) {
    var months = monthsBack(12);
    var period = route.query.get('period') || months[0];
    var form = h('form', { class: 'search' }, [
      labelled('考核期', select('period', months.map(function (m) { return [m, m.replace('-', ' 年 ') + ' 月']; }), period)),
    ]);
    form.elements.namedItem('period').addEventListener('change', function (event) {
      location.hash = '#/ranking?period=' + event.target.value;
    });
    return read('DepartmentRanking', { period: period }).then(function (data) {
      var report = data.departmentPerformance;
      var rows = report.rows;
      var ranked = rows.filter(function (r) { return r.rank !== null; });
      var base = Math.max(0, Math.floor(Math.min.apply(null, ranked.map(function (r) { return Number(r.score); }).concat([100])) - 5));
      return h('div', null, [
        h('h1', null, '部门绩效排名'),
        form,
        ranked.length ? ui.barChart(ranked.slice(0, 10).map(function (r) {
          return { label: r.department.name.replace(/^[\u4e00-\u9fa5]{1,5}县(?=.)/, ''), value: Number(r.score) - base, text: String(r.score) };
        }), '得分前十名（' + period.replace('-', ' 年 ') + ' 月，横轴自 ' + base + ' 分起）', CHART_WIDTH) : null,
        table(['名次', '部门', '等次', '得分', '办结', '按时率', '超期', '黄牌', '红牌', '差评', '资金监管分'], rows.map(function (r) {
          return [r.rank === null ? '不排名' : String(r.rank), r.department.name, r.grade, String(r.score), String(r.completed),
            percent(r.onTimeRate), String(r.lateCases), String(r.yellowCards), String(r.redCards), String(r.badRatings),
            r.subsidyScore === null ? null : String(r.subsidyScore)];
        })),
        report.publishedAt ? h('p', { class: 'hint' }, '本期排名于 ' + moment(report.publishedAt) + ' 公布，公布后不再变动。') : null,
        report.corrections && report.corrections.length ? section('公布后到达的更正', table(['部门', '项目', '公布值', '现值'],
          report.corrections.map(function (c) { return [c.department.name, c.field, String(c.published), String(c.now)]; }))) : null,
        report.rules && report.rules.length ? section('计分规则', h('ol', { class: 'rules' }, report.rules.map(function (rule) {
          return h('li', null, rule);
        }))) : null,
      ]);
    });
  }

  function notFound() {
    return Promise.resolve(h('div', null, [h('h1', null, '页面不存在'), h('p', null, h('a', { href: '#/' }, '返回首页'))]));
  }

  // ---- routing ----------------------------------------------------------------------------

  var ROUTES = {
    '': function () { return Promise.resolve(home()); },
    powers: powerList,
    power: powerDetail,
    case: function () { return Promise.resolve(caseLookup()); },
    complaint: complaintPage,
    subsidy: subsidyPage,
    ranking: rankingPage,
  };

  var render = ui.route(view, ROUTES, notFound, function (where, node) {
    document.querySelectorAll('.tabs a').forEach(function (a) {
      var section = a.getAttribute('data-section');
      a.classList.toggle('current', section === where.name || (where.name === 'power' && section === 'powers'));
    });
    document.title = (node.querySelector('h1') ? node.querySelector('h1').textContent + ' · ' : '') + '阳光政务';
    window.scrollTo(0, 0);
  });

  // ---- the kiosk: home again after 90 s without a touch --------------------------------------

  if (KIOSK) {
    var last = Date.now();
    ['pointerdown', 'keydown', 'touchstart', 'input'].forEach(function (type) {
      document.addEventListener(type, function () { last = Date.now(); }, { passive: true, capture: true });
    });
    setInterval(function () {
      if (Date.now() - last < IDLE_MS) return;
      last = Date.now();
      if (location.hash && location.hash !== '#/') location.hash = '#/';
      else render();  // also clears a half-filled form on the home page's sections
    }, 5000);
  }
})();
