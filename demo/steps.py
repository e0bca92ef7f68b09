"""Kinds of process-map steps (环节), the flows they make up, and their integrity risks.

A step kind carries what a real map says about such a step: who acts, what is checked, how many
working days it usually takes and whether that time counts toward the statutory limit (the
Administrative Licensing Law leaves hearings, testing and expert review out of it), plus the risk
points (廉政风险点) inspectors found at such steps and the measures written against each.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Risk:
    """A risk point and the control measures (防控措施) that answer it, best first."""

    description: str
    measures: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StepKind:
    """``levels`` weighs high/medium/low for this kind's risks; ``counts`` is the chance that its
    time counts toward the limit; ``condition`` labels the two edges when the step is optional on
    a conditional fork (taken, skipped)."""

    names: tuple[str, ...]
    posts: tuple[str, ...]
    checks: tuple[str, ...]
    days: tuple[int, int]
    risks: tuple[Risk, ...]
    levels: tuple[int, int, int] = (15, 45, 40)
    counts: float = 1.0
    condition: tuple[str, str] | None = None


ACCEPT_POSTS = ("窗口受理岗", "便民服务中心受理岗")
REVIEW_POSTS = ("审核岗", "科长")
DECIDE_POSTS = ("分管副局长", "局长", "分管领导", "主要领导", "审批岗")
ENFORCE_POSTS = ("执法岗", "综合执法岗")

_ACCEPT_RISKS = (
    Risk(
        "受理环节对不符合条件的申请予以受理，或对符合条件的申请不予受理、故意刁难",
        ("实行一次性告知和首问负责制", "公开受理条件、申请材料和办理时限，接受社会监督"),
    ),
    Risk(
        "不一次性告知需补正的全部内容，致使申请人多次往返",
        ("推行一次性告知书制度，告知内容纳入电子监察", "实行好差评制度，差评限期整改"),
    ),
    Risk(
        "利用受理环节吃拿卡要、索取好处",
        ("受理事项全部纳入电子监察系统，全程留痕", "窗口安装视频监控，接受实时监督"),
    ),
    Risk(
        "违规收取费用或要求申请人购买指定商品、服务",
        ("收费项目和标准在窗口公示，票款分离", "全程纳入电子监察系统"),
    ),
    Risk("泄露申请人商业秘密或者个人信息", ("严格执行保密制度，个人信息调阅留痕", "窗口人员签订保密承诺书")),
)

_REVIEW_RISKS = (
    Risk(
        "审查把关不严，对不符合条件的申请予以通过",
        ("实行审查标准化，逐项对照审查细则审查", "审查意见书面记录并由经办人签字"),
    ),
    Risk("故意拖延审查时间，超时办理", ("办理时限纳入电子监察，超时自动亮黄牌、红牌", "实行限时办结制度")),
    Risk(
        "与申请人私下接触，接受吃请或者收受财物",
        ("实行审查人员回避制度", "严格执行中央八项规定精神，落实廉政承诺"),
    ),
    Risk(
        "利用职权为亲友或者特定关系人提供便利",
        ("落实领导干部插手干预登记报告制度", "纪检监察部门定期抽查审查卷宗"),
    ),
    Risk("随意提高或者降低审查标准，选择性审查", ("统一审查裁量标准并向社会公开", "实行审查结果复核抽查")),
)

_SITE_RISKS = (
    Risk(
        "现场核查走过场、弄虚作假",
        ("现场核查实行双人制并留存影像资料", "核查记录当场签字确认，并上传审批系统"),
    ),
    Risk(
        "接受被核查对象宴请、礼品或者报销费用",
        ("严格执行中央八项规定精神，禁止接受被核查对象宴请", "核查结束后向被核查对象发放廉洁回访卡"),
    ),
    Risk("单人核查，核查结论与实际情况不符", ("随机选派核查人员，两人以上共同核查", "核查结论实行复核抽查")),
    Risk("故意拖延核查时间，变相设置障碍", ("核查时限纳入电子监察", "核查预约信息向申请人公开")),
)

_EXPERT_RISKS = (
    Risk(
        "评审专家与申请人存在利害关系未回避", ("从专家库随机抽取评审专家", "评审专家实行回避和保密承诺制度")
    ),
    Risk("操纵、干预评审结果", ("评审意见全程留痕，专家独立签署", "领导干部干预评审登记报告")),
    Risk("评审时间无限延长，变相拖延审批", ("明确专家评审时限并告知申请人",)),
)

_HEARING_RISKS = (
    Risk("应当组织听证而未组织听证，剥夺当事人权利", ("严格执行听证告知制度，告知情况纳入法制审核",)),
    Risk(
        "听证程序不规范，偏听偏信",
        ("听证主持人由非本案调查人员担任", "听证过程全程录音录像"),
    ),
)

_PUBLICITY_RISKS = (
    Risk("不按规定公示或者公示内容不实", ("公示内容在政府网站和公示栏同步发布", "公示情况拍照存档备查")),
    Risk("对公示期间的异议不予核实处理", ("异议处理情况书面记录并报纪检组备案",)),
)

_COLLECTIVE_RISKS = (
    Risk("集体讨论流于形式，个人说了算", ("实行重大事项集体决策，讨论情况如实记录", "会议纪要存档备查")),
    Risk("与讨论事项有利害关系的人员未回避", ("落实集体讨论回避制度",)),
)

_APPROVE_RISKS = (
    Risk("超越法定权限审批", ("严格执行审批权限和分级审批制度", "审批权限清单向社会公开")),
    Risk(
        "对不符合条件的事项违规审批，或对符合条件的不予审批",
        ("实行审批结果公开", "不予许可的书面说明理由并告知救济途径"),
    ),
    Risk(
        "领导干部打招呼、批条子干预审批",
        ("落实领导干部干预插手审批事项登记报告制度", "审批意见全程留痕，纳入电子监察"),
    ),
    Risk("审批过程中索取、收受申请人财物", ("开展廉政风险警示教育", "实行审批人员定期轮岗")),
)

_CERTIFY_RISKS = (
    Risk("擅自改变审批内容制发证照", ("证照打印纳入电子监察监察点，与审批结果自动比对",)),
    Risk("违规收取证照工本费", ("收费标准公示，票款分离",)),
    Risk("证照发放拖延或者违规代领", ("证照领用实行台账管理，领取人签字确认",)),
)

_DELIVER_RISKS = (
    Risk("不按规定时限和方式送达", ("实行送达回证制度", "推行电子送达和邮寄送达，全程留痕")),
    Risk("送达程序不规范，侵害当事人权益", ("统一使用格式化送达文书",)),
)

_ARCHIVE_RISKS = (
    Risk("档案资料不完整，随意抽取、篡改卷宗", ("实行一案一档，定期检查卷宗", "档案调阅登记审批")),
)

_REGISTER_CASE_RISKS = (
    Risk(
        "对应当立案的案件不予立案，或对不应立案的违规立案",
        ("案源登记纳入执法办案系统，全程可追溯", "实行案件统一编号管理"),
    ),
    Risk("选择性执法，有案不立、压案不查", ("投诉举报线索定期清理核查", "纪检监察部门开展案件评查")),
    Risk("泄露举报人信息", ("举报人信息严格保密，查阅留痕",)),
)

_INVESTIGATE_RISKS = (
    Risk(
        "调查取证不全面、不客观，隐匿、伪造证据",
        ("执法全过程记录，配备执法记录仪", "证据材料统一登记保管"),
    ),
    Risk("执法人员少于两人或者未出示执法证件", ("调查取证不少于两名执法人员并出示执法证件",)),
    Risk("接受当事人宴请、财物，通风报信", ("签订廉洁执法承诺书", "开展执法对象回访")),
)

_LEGAL_REVIEW_RISKS = (
    Risk(
        "法制审核流于形式，对违法执法行为不予纠正", ("重大执法决定法制审核全覆盖", "审核意见书面出具并归档")
    ),
)

_NOTIFY_RISKS = (
    Risk("未履行告知义务，剥夺当事人陈述申辩权利", ("统一使用格式化告知书，告知内容纳入法制审核",)),
    Risk("对当事人陈述申辩意见不予复核", ("陈述申辩意见逐项书面复核",)),
)

_DECIDE_RISKS = (
    Risk(
        "自由裁量权行使不当，畸轻畸重",
        ("严格执行行政处罚自由裁量基准", "处罚决定经法制审核和集体讨论"),
    ),
    Risk("以罚代刑、以罚代管", ("健全行政执法与刑事司法衔接机制", "涉嫌犯罪案件一律移送")),
    Risk("违规减免罚款或者撤销处罚", ("减免处罚须集体讨论并报纪检组备案",)),
    Risk("领导干部干预、插手具体案件处理", ("落实领导干部干预插手执法活动登记报告制度",)),
)

_EXECUTE_RISKS = (
    Risk("不按规定收缴罚款，违规减免或者截留罚没款", ("严格执行罚缴分离制度，罚款统一缴入指定银行",)),
    Risk("罚没物品处置不规范", ("罚没物品统一登记、集中公开处置",)),
)

_CLOSE_RISKS = (Risk("案件久拖不结，结案不规范", ("案件办理时限纳入执法监督平台预警",)),)

_INSPECT_RISKS = (
    Risk(
        "选择性检查、随意检查、重复检查",
        ("推行“双随机、一公开”监管，随机抽取检查对象和执法人员", "检查计划报备并统筹"),
    ),
    Risk("检查中吃拿卡要、接受宴请", ("检查人员签订廉洁承诺书", "向被检查对象发放廉洁监督卡")),
    Risk("泄露检查计划，通风报信", ("检查计划实行保密管理，临时通知检查人员",)),
)

_HANDLE_RISKS = (
    Risk(
        "对检查发现的问题不处理或者处理不到位", ("检查情况全程记录并纳入执法监督平台", "问题整改实行销号管理")
    ),
    Risk("检查结果不公开或者选择性公开", ("检查结果及时向社会公开",)),
)

_COERCION_RISKS = (
    Risk(
        "违法实施查封、扣押，超范围、超时限采取强制措施",
        ("实施强制措施前须报负责人批准", "强制措施期限届满及时解除"),
    ),
    Risk(
        "对查封、扣押财物保管不善或者擅自使用、处置",
        ("查封扣押财物实行清单管理，当场交付当事人", "涉案财物集中保管，出入库登记"),
    ),
    Risk("实施强制措施不制作现场笔录或者笔录不实", ("执法全过程记录，配备执法记录仪",)),
)

_LEVY_RISKS = (
    Risk("擅自减免、缓征或者多征、少征", ("征收标准公开，减免缓须集体研究", "征收数据纳入电子监察比对")),
    Risk("坐收坐支、截留挪用征收款项", ("实行票款分离，征收款项全额缴入国库",)),
    Risk("违规核定计征依据，人情征收", ("核定结果实行复核和抽查",)),
)

_SURVEY_RISKS = (
    Risk("入户调查不实，优亲厚友", ("入户调查两人以上并留存影像资料", "村（居）干部近亲属申请实行备案制")),
    Risk("虚报冒领、套取补助资金", ("与公安、市场监管、不动产等部门数据比对核查",)),
)

_APPRAISAL_RISKS = (
    Risk("民主评议走过场，评议结果被少数人操纵", ("民主评议邀请镇（街道）干部现场监督，评议过程记录在案",)),
)

_PAY_RISKS = (
    Risk(
        "虚报冒领、重复发放或者截留挪用资金",
        ("资金通过“一卡通”直接发放到户", "实行村（居）、镇（街道）、县三级公示"),
    ),
    Risk("发放不及时，超期拨付", ("资金拨付和发放环节纳入公共资金电子监察",)),
    Risk("向已死亡或者不符合条件人员继续发放", ("定期与公安户籍、殡葬数据比对，及时停发",)),
)

_ADJUDICATION_RISKS = (
    Risk("调查取证偏袒一方当事人", ("调查人员实行回避制度", "调查过程全程记录")),
    Risk("裁决结果显失公正，徇私枉法", ("裁决文书经法制审核", "裁决结果公开，接受当事人监督")),
)

_REWARD_RISKS = (
    Risk("推荐对象弄虚作假，虚构事迹", ("推荐材料实行审核和公示",)),
    Risk("奖励资金发放不规范，虚列冒领", ("奖励资金通过银行转账发放，登记奖励台账",)),
)

_TRADE_REGISTER_RISKS = (
    Risk(
        "项目未按规定进场交易，化整为零规避招标",
        (
            "严格执行工程建设项目进场交易制度，限额以上项目一律进场",
            "对50万元以下小额项目实行业主单位集体决策和备案制",
        ),
    ),
)
_TRADE_DOCUMENT_RISKS = (
    Risk("招标文件设置排他性、倾向性条款，量身定做", ("招标文件实行备案审查和公示", "建立招标文件负面清单")),
)
_TRADE_NOTICE_RISKS = (
    Risk("招标公告发布媒介、时间不符合规定，限制潜在投标人", ("招标公告统一在公共资源交易平台发布",)),
)
_TRADE_BID_RISKS = (
    Risk("泄露已报名投标人名称、数量等信息", ("推行网上匿名报名和电子招投标",)),
    Risk("投标人围标串标", ("运用电子监察系统比对投标文件雷同性，预警围标串标",)),
)
_TRADE_QUALIFY_RISKS = (Risk("资格审查标准不一致，违规排斥投标人", ("资格审查全程录音录像，结果公示",)),)
_TRADE_EXPERT_RISKS = (
    Risk("评标专家抽取不随机、泄露评标专家名单", ("评标专家由系统随机抽取、语音通知，名单开标前密封保存",)),
)
_TRADE_OPEN_RISKS = (
    Risk("开标程序不规范，违规接收逾期送达的投标文件", ("开标全程录音录像，纪检监察人员现场监督",)),
)
_TRADE_EVALUATE_RISKS = (
    Risk("评标专家不公正评标，倾向或者排斥特定投标人", ("评标过程全程监控，实行评标专家评价和清退制度",)),
    Risk("评标委员会成员私下接触投标人", ("评标区实行封闭管理，通讯工具统一保管",)),
)
_TRADE_PUBLICITY_RISKS = (
    Risk(
        "中标候选人公示不到位，对投诉处理不及时",
        ("中标候选人在交易平台公示不少于3日", "投诉处理实行限时办结"),
    ),
)
_TRADE_AWARD_RISKS = (
    Risk("招标人不按评标结果定标，暗箱操作", ("定标结果须与评标报告一致，纳入电子监察比对",)),
)
_TRADE_DEPOSIT_RISKS = (
    Risk("违规扣留或者拖延退还投标保证金", ("投标保证金统一由交易中心专户管理，系统自动退还",)),
)
_TRADE_CONTRACT_RISKS = (
    Risk("签订背离招标文件实质性内容的合同", ("合同备案与中标通知书比对审查",)),
    Risk("中标后转包、违法分包", ("推行中标考察制、指纹备案制和考勤制，强化标后监管",)),
)

_TRADE_POSTS = ("综合协调岗", "审核岗", "窗口受理岗")


def _trade(names: tuple[str, ...], checks: str, risks: tuple[Risk, ...], days: tuple[int, int]) -> StepKind:
    return StepKind(names, _TRADE_POSTS, (checks,), days, risks, levels=(25, 45, 30))


STEP_KINDS: dict[str, StepKind] = {
    # Services: licensing, confirmation, other, public service.
    "accept": StepKind(
        ("受理", "窗口受理", "接件受理"),
        ACCEPT_POSTS,
        (
            "申请事项是否属于本部门职权范围；申请材料是否齐全、是否符合法定形式",
            "核对申请人身份和申请材料原件，材料不全的一次性告知补正内容",
        ),
        (0, 1),
        _ACCEPT_RISKS,
        levels=(10, 50, 40),
    ),
    "preliminary": StepKind(
        ("初审",), REVIEW_POSTS, ("对申请材料进行初步审查，核对材料之间的一致性",), (1, 3), _REVIEW_RISKS
    ),
    "review": StepKind(
        ("审查", "材料审查", "审核"),
        REVIEW_POSTS,
        (
            "审查申请人是否符合《{law}》规定的条件",
            "核查申请材料的真实性、合法性和有效性",
            "审查申请事项是否符合相关技术标准和规范",
        ),
        (2, 8),
        _REVIEW_RISKS,
        levels=(15, 50, 35),
    ),
    "site": StepKind(
        ("现场核查", "现场勘验", "实地核查"),
        ("现场核查岗", "村镇建设办岗", "审核岗"),
        ("核查场所、设施设备与申请材料是否一致", "现场核实选址、布局和周边环境是否符合要求"),
        (2, 5),
        _SITE_RISKS,
        levels=(20, 45, 35),
        counts=0.7,
        condition=("需现场核查", "无需现场核查"),
    ),
    "expert": StepKind(
        ("专家评审", "技术审查"),
        REVIEW_POSTS,
        ("从专家库随机抽取专家，对技术方案进行评审并出具书面意见",),
        (5, 15),
        _EXPERT_RISKS,
        levels=(25, 45, 30),
        counts=0.0,
        condition=("需专家评审", "无需专家评审"),
    ),
    "hearing": StepKind(
        ("听证",),
        ("法制审核岗", "审核岗"),
        ("告知当事人、利害关系人享有听证权利，依法组织听证并制作听证笔录",),
        (5, 15),
        _HEARING_RISKS,
        levels=(20, 50, 30),
        counts=0.0,
        condition=("当事人申请听证", "当事人未申请听证"),
    ),
    "publicity": StepKind(
        ("公示", "拟许可公示", "结果公示"),
        ("审核岗", "社会事务办岗"),
        ("在政府网站和公示栏公示，收集并核实异议",),
        (5, 7),
        _PUBLICITY_RISKS,
        levels=(10, 40, 50),
        counts=0.5,
    ),
    "collective": StepKind(
        ("集体讨论", "集体审议"),
        ("局长", "主要领导", "分管副局长", "分管领导", "审批岗"),
        ("重大、复杂事项提交领导班子集体讨论并形成会议纪要",),
        (1, 3),
        _COLLECTIVE_RISKS,
        levels=(20, 50, 30),
    ),
    "approve": StepKind(
        ("审批", "决定", "审批决定"),
        ("审批岗", "分管副局长", "分管领导"),
        ("根据审查意见作出准予或者不予许可的书面决定，不予许可的说明理由并告知救济途径",),
        (1, 5),
        _APPROVE_RISKS,
        levels=(25, 45, 30),
    ),
    "certify": StepKind(
        ("制证", "证照制作"),
        ("制证发证岗", "窗口受理岗", "便民服务中心受理岗"),
        ("核对证照内容与审批决定一致后打印",),
        (0, 1),
        _CERTIFY_RISKS,
        levels=(5, 40, 55),
    ),
    "deliver": StepKind(
        ("送达", "办结送达", "发证送达"),
        ("窗口受理岗", "便民服务中心受理岗", "制证发证岗"),
        ("通过窗口、邮寄或者电子方式送达，记录送达回证",),
        (0, 2),
        _DELIVER_RISKS,
        levels=(5, 35, 60),
    ),
    "archive": StepKind(
        ("归档", "立卷归档"),
        ("档案管理岗", "审核岗"),
        ("办件材料一案一档，按期立卷归档",),
        (1, 3),
        _ARCHIVE_RISKS,
        levels=(5, 35, 60),
        counts=0.2,
    ),
    # Penalties.
    "register_case": StepKind(
        ("立案", "案件受理立案"),
        ENFORCE_POSTS,
        ("对投诉举报、巡查发现的案源进行核查，符合立案条件的报批立案",),
        (1, 7),
        _REGISTER_CASE_RISKS,
    ),
    "investigate": StepKind(
        ("调查取证",),
        ENFORCE_POSTS,
        ("两名以上执法人员出示执法证件，全面、客观、公正地收集证据并制作笔录",),
        (10, 30),
        _INVESTIGATE_RISKS,
        levels=(15, 50, 35),
    ),
    "legal_review": StepKind(
        ("法制审核", "案件审核"),
        ("法制审核岗", "审核岗"),
        ("审核执法主体、事实证据、法律适用、程序和裁量基准",),
        (3, 7),
        _LEGAL_REVIEW_RISKS,
    ),
    "notify": StepKind(
        ("告知", "事先告知"),
        ENFORCE_POSTS,
        ("告知拟作出处罚的内容及事实、理由、依据和当事人陈述、申辩、听证权利",),
        (3, 5),
        _NOTIFY_RISKS,
        levels=(10, 45, 45),
    ),
    "decide": StepKind(
        ("处罚决定", "作出决定"),
        DECIDE_POSTS,
        ("依据裁量基准作出处罚决定，制作行政处罚决定书",),
        (2, 7),
        _DECIDE_RISKS,
        levels=(30, 45, 25),
    ),
    "execute": StepKind(
        ("执行",),
        ENFORCE_POSTS,
        ("监督当事人履行处罚决定，罚款通过指定银行缴纳，逾期依法强制执行",),
        (5, 15),
        _EXECUTE_RISKS,
    ),
    "close": StepKind(
        ("结案",),
        ("审核岗", "执法岗"),
        ("案件办结后填写结案报告，卷宗归档",),
        (1, 5),
        _CLOSE_RISKS,
        levels=(5, 40, 55),
    ),
    # Inspections.
    "plan": StepKind(
        ("制定检查计划",),
        ("科长", "审核岗"),
        ("按照年度计划和风险等级确定检查事项、频次",),
        (1, 5),
        _INSPECT_RISKS,
    ),
    "draw": StepKind(
        ("随机抽取检查对象和执法人员", "双随机抽取"),
        ("审核岗",),
        ("通过“双随机”系统抽取检查对象和执法人员",),
        (1, 2),
        _INSPECT_RISKS,
    ),
    "inspect": StepKind(
        ("实施检查", "现场检查"),
        ("执法岗", "综合执法岗", "现场核查岗"),
        ("出示执法证件，依照检查表逐项检查并制作检查记录",),
        (1, 10),
        _INSPECT_RISKS,
        levels=(25, 45, 30),
    ),
    "handle": StepKind(
        ("检查结果处理",),
        ("审核岗", "执法岗"),
        ("对发现的问题责令整改，涉嫌违法的移交立案查处",),
        (2, 7),
        _HANDLE_RISKS,
        levels=(20, 50, 30),
    ),
    "recheck": StepKind(
        ("整改复查",),
        ENFORCE_POSTS,
        ("对整改情况进行复查并记录",),
        (3, 10),
        _HANDLE_RISKS,
        counts=0.6,
        condition=("需整改复查", "无需整改复查"),
    ),
    "disclose": StepKind(
        ("结果公开",),
        ("审核岗",),
        ("检查结果在20个工作日内通过信用信息公示系统公开",),
        (1, 5),
        _HANDLE_RISKS,
        levels=(5, 40, 55),
    ),
    # Coercion.
    "report_approval": StepKind(
        ("报批",),
        ENFORCE_POSTS,
        ("实施前向行政机关负责人报告并经批准，情况紧急的24小时内补办批准手续",),
        (0, 1),
        _COERCION_RISKS,
    ),
    "coercion_notify": StepKind(
        ("告知当事人",),
        ENFORCE_POSTS,
        ("通知当事人到场，当场告知采取行政强制措施的理由、依据及依法享有的权利、救济途径",),
        (0, 1),
        _NOTIFY_RISKS,
        levels=(10, 45, 45),
    ),
    "enforce": StepKind(
        ("实施强制措施", "查封扣押"),
        ENFORCE_POSTS,
        ("由两名以上执法人员实施，查封、扣押限于涉案场所、设施或者财物",),
        (0, 2),
        _COERCION_RISKS,
        levels=(30, 45, 25),
    ),
    "record": StepKind(
        ("制作现场笔录",),
        ENFORCE_POSTS,
        ("现场笔录由当事人和执法人员签名，当事人拒绝的在笔录中注明",),
        (0, 1),
        _COERCION_RISKS,
        levels=(10, 45, 45),
    ),
    "dispose": StepKind(
        ("作出处理决定",),
        DECIDE_POSTS,
        ("在法定期限内查清事实，作出没收、销毁或者解除强制措施的决定",),
        (5, 30),
        _COERCION_RISKS,
        levels=(30, 45, 25),
    ),
    "release": StepKind(
        ("解除强制措施",),
        ENFORCE_POSTS,
        ("对不再需要采取强制措施的及时解除并退还财物",),
        (1, 3),
        _COERCION_RISKS,
    ),
    # Levies.
    "declare": StepKind(
        ("申报受理",),
        ACCEPT_POSTS,
        ("核对缴纳义务人申报信息和计征依据",),
        (0, 1),
        _ACCEPT_RISKS,
        levels=(10, 50, 40),
    ),
    "assess": StepKind(
        ("核定",), REVIEW_POSTS, ("依据法定标准核定应缴金额",), (1, 3), _LEVY_RISKS, levels=(30, 45, 25)
    ),
    "relief": StepKind(
        ("减免缓审批",),
        DECIDE_POSTS,
        ("减免缓申请符合法定条件并经集体研究",),
        (1, 5),
        _LEVY_RISKS,
        levels=(35, 45, 20),
    ),
    "collect": StepKind(
        ("征收",),
        ("窗口受理岗", "审核岗"),
        ("开具统一票据，票款分离",),
        (0, 1),
        _LEVY_RISKS,
        levels=(25, 45, 30),
    ),
    "deposit": StepKind(
        ("缴库",), ("审核岗",), ("征收款项按规定及时足额缴入国库",), (1, 3), _LEVY_RISKS, levels=(25, 45, 30)
    ),
    # Benefits.
    "survey": StepKind(
        ("入户调查", "家计调查"),
        ("社会事务办岗", "网格管理岗", "现场核查岗", "审核岗"),
        ("入户核实家庭人口、收入、财产状况，两名以上工作人员参加",),
        (3, 10),
        _SURVEY_RISKS,
        levels=(25, 45, 30),
        condition=("需入户核查", "无需入户核查"),
    ),
    "appraisal": StepKind(
        ("民主评议",),
        ("社会事务办岗", "审核岗"),
        ("村（居）民代表民主评议，评议过程记录在案",),
        (2, 5),
        _APPRAISAL_RISKS,
        levels=(20, 45, 35),
        counts=0.5,
    ),
    "pay": StepKind(
        ("资金发放", "待遇发放"),
        ("审批岗", "审核岗"),
        ("通过“一卡通”直接发放至本人账户，核对发放名册与审批结果一致",),
        (1, 5),
        _PAY_RISKS,
        levels=(30, 45, 25),
    ),
    # Adjudication and rewards.
    "inquiry": StepKind(
        ("调查核实",),
        REVIEW_POSTS,
        ("调查争议事实，收集证据，听取双方当事人意见",),
        (10, 20),
        _ADJUDICATION_RISKS,
    ),
    "mediate": StepKind(
        ("调解",),
        REVIEW_POSTS,
        ("在查明事实基础上组织当事人调解，达成协议的制作调解书",),
        (5, 15),
        _ADJUDICATION_RISKS,
        counts=0.5,
        condition=("当事人同意调解", "当事人不同意调解"),
    ),
    "ruling": StepKind(
        ("作出裁决",),
        DECIDE_POSTS,
        ("依法作出书面裁决，告知申请复议或者提起诉讼的权利",),
        (3, 10),
        _ADJUDICATION_RISKS,
        levels=(30, 45, 25),
    ),
    "nominate": StepKind(("推荐申报",), ACCEPT_POSTS, ("核对推荐对象事迹材料",), (3, 10), _REWARD_RISKS),
    "award": StepKind(
        ("颁发奖励", "兑现奖励"),
        ("审批岗", "分管副局长", "分管领导"),
        ("奖励资金通过银行转账发放，登记奖励台账",),
        (1, 5),
        _REWARD_RISKS,
        levels=(25, 45, 30),
    ),
    # Parallel approval (并联审批): one acceptance, branches in several departments, one reply.
    "distribute": StepKind(
        ("抄告相关部门",),
        ("综合协调岗", "窗口受理岗", "审核岗"),
        ("将申请材料同步推送至并联审批部门，明确反馈时限",),
        (0, 1),
        _ACCEPT_RISKS,
        levels=(10, 50, 40),
    ),
    "branch_review": StepKind(
        ("同步审查",),
        REVIEW_POSTS,
        ("对职责范围内事项同步审查并在规定时限内反馈意见",),
        (2, 5),
        _REVIEW_RISKS,
    ),
    "branch_site": StepKind(
        ("现场踏勘",),
        ("现场核查岗", "审核岗"),
        ("会同牵头部门现场踏勘并出具书面意见",),
        (1, 3),
        _SITE_RISKS,
        levels=(25, 45, 30),
    ),
    "joint_decision": StepKind(
        ("联合审批决定", "集中回复"),
        ("审批岗", "分管副局长", "综合协调岗"),
        ("汇总各部门审查意见，统一作出审批决定并集中回复申请人",),
        (1, 3),
        _APPROVE_RISKS,
        levels=(30, 45, 25),
    ),
    # Public resource trading (公共资源交易).
    "trade_register": _trade(
        ("项目进场登记",), "核验项目审批手续和资金来源，限额以上项目一律进场", _TRADE_REGISTER_RISKS, (1, 2)
    ),
    "trade_document": _trade(
        ("招标文件备案", "发售招标文件"),
        "审查招标文件是否含有排斥、限制潜在投标人的内容",
        _TRADE_DOCUMENT_RISKS,
        (1, 3),
    ),
    "trade_notice": _trade(
        ("发布招标公告", "踏勘现场及答疑"),
        "核对公告内容、发布媒介和时间是否符合规定",
        _TRADE_NOTICE_RISKS,
        (1, 5),
    ),
    "trade_bid": _trade(("投标报名",), "网上匿名报名，投标人信息保密", _TRADE_BID_RISKS, (5, 20)),
    "trade_qualify": _trade(
        ("资格预审",), "按照资格预审文件载明的标准和方法审查", _TRADE_QUALIFY_RISKS, (1, 3)
    ),
    "trade_expert": _trade(
        ("抽取评标专家",), "从评标专家库随机抽取，名单密封至开标前", _TRADE_EXPERT_RISKS, (0, 1)
    ),
    "trade_open": _trade(
        ("开标",), "按招标文件规定的时间、地点公开开标，全程录音录像", _TRADE_OPEN_RISKS, (0, 1)
    ),
    "trade_evaluate": _trade(
        ("评标",), "评标委员会按照招标文件确定的标准和方法独立评审", _TRADE_EVALUATE_RISKS, (1, 3)
    ),
    "trade_publicity": _trade(
        ("中标候选人公示", "中标结果公示"),
        "在公共资源交易平台公示，公示期不少于3日",
        _TRADE_PUBLICITY_RISKS,
        (3, 5),
    ),
    "trade_award": _trade(
        ("定标", "发出中标通知书"), "按评标报告和公示结果确定中标人", _TRADE_AWARD_RISKS, (1, 3)
    ),
    "trade_deposit": _trade(
        ("投标保证金退还",), "中标通知书发出后5日内退还未中标人投标保证金", _TRADE_DEPOSIT_RISKS, (1, 5)
    ),
    "trade_contract": _trade(
        ("签订合同", "合同备案"), "核对合同实质性内容与招标文件、投标文件一致", _TRADE_CONTRACT_RISKS, (5, 15)
    ),
    # One-step maps: the whole power as a single step, with the risks of all it covers.
    "single_service": StepKind(
        ("受理并办结",),
        (*ACCEPT_POSTS, "审批岗"),
        ("申请材料是否齐全、是否符合法定形式，是否符合《{law}》规定的条件",),
        (1, 5),
        _ACCEPT_RISKS + _REVIEW_RISKS + _APPROVE_RISKS,
        levels=(15, 45, 40),
    ),
    "single_enforce": StepKind(
        ("立案调查并作出处罚决定",),
        ENFORCE_POSTS,
        ("事实清楚、证据确凿、依据正确、程序合法、处罚适当",),
        (30, 60),
        _INVESTIGATE_RISKS + _DECIDE_RISKS + _EXECUTE_RISKS,
        levels=(15, 45, 40),
    ),
    "single_coercion": StepKind(
        ("报批并实施强制措施",),
        ENFORCE_POSTS,
        ("强制措施的条件、期限和程序符合《中华人民共和国行政强制法》规定",),
        (1, 30),
        _COERCION_RISKS,
        levels=(25, 45, 30),
    ),
    "single_inspect": StepKind(
        ("实施检查并处理",),
        ENFORCE_POSTS,
        ("依照检查表逐项检查，发现问题依法处理并公开结果",),
        (5, 15),
        _INSPECT_RISKS + _HANDLE_RISKS,
    ),
    "single_levy": StepKind(
        ("核定并征收",),
        ACCEPT_POSTS,
        ("依据法定标准核定并征收，票款分离",),
        (1, 5),
        _LEVY_RISKS,
        levels=(25, 45, 30),
    ),
    "single_benefit": StepKind(
        ("受理审核并发放",),
        (*ACCEPT_POSTS, "审核岗"),
        ("核实申请人资格条件，审核通过的按标准发放",),
        (5, 20),
        _ACCEPT_RISKS + _SURVEY_RISKS + _PAY_RISKS,
    ),
    "single_reward": StepKind(
        ("审核并颁发奖励",),
        ("审核岗", "审批岗"),
        ("核实事迹或者举报线索，按标准给予奖励",),
        (5, 20),
        _REWARD_RISKS,
    ),
    "single_adjudication": StepKind(
        ("受理调查并作出裁决",),
        REVIEW_POSTS,
        ("查明争议事实，依法作出裁决",),
        (20, 60),
        _ADJUDICATION_RISKS,
        levels=(25, 45, 30),
    ),
}

# The steps a multi-step map of each category may have, in order, with the chance each appears
# (1.0 = always).  A map keeps at least four steps: missing ones are added in this order.
FLOWS: dict[str, tuple[tuple[str, float], ...]] = {
    "licensing": (
        ("accept", 1.0),
        ("preliminary", 0.3),
        ("review", 1.0),
        ("site", 0.5),
        ("expert", 0.12),
        ("hearing", 0.05),
        ("publicity", 0.15),
        ("collective", 0.2),
        ("approve", 1.0),
        ("certify", 0.6),
        ("deliver", 1.0),
        ("archive", 0.3),
    ),
    "penalty": (
        ("register_case", 1.0),
        ("investigate", 1.0),
        ("legal_review", 0.7),
        ("notify", 1.0),
        ("hearing", 0.3),
        ("collective", 0.4),
        ("decide", 1.0),
        ("deliver", 1.0),
        ("execute", 0.7),
        ("close", 0.5),
    ),
    "inspection": (
        ("plan", 1.0),
        ("draw", 0.6),
        ("inspect", 1.0),
        ("handle", 1.0),
        ("recheck", 0.5),
        ("disclose", 0.6),
        ("archive", 0.3),
    ),
    "coercion": (
        ("report_approval", 1.0),
        ("coercion_notify", 1.0),
        ("enforce", 1.0),
        ("record", 1.0),
        ("dispose", 1.0),
        ("release", 0.4),
        ("archive", 0.3),
    ),
    "levy": (
        ("declare", 1.0),
        ("assess", 1.0),
        ("review", 0.4),
        ("relief", 0.2),
        ("collect", 1.0),
        ("deposit", 1.0),
        ("archive", 0.3),
    ),
    "benefit": (
        ("accept", 1.0),
        ("survey", 0.6),
        ("appraisal", 0.4),
        ("review", 1.0),
        ("publicity", 0.6),
        ("approve", 1.0),
        ("pay", 1.0),
        ("archive", 0.3),
    ),
    "confirmation": (
        ("accept", 1.0),
        ("preliminary", 0.2),
        ("review", 1.0),
        ("site", 0.3),
        ("publicity", 0.2),
        ("approve", 1.0),
        ("certify", 0.6),
        ("deliver", 1.0),
        ("archive", 0.3),
    ),
    "reward": (
        ("nominate", 1.0),
        ("review", 1.0),
        ("publicity", 0.7),
        ("collective", 0.6),
        ("approve", 1.0),
        ("award", 1.0),
    ),
    "adjudication": (
        ("accept", 1.0),
        ("review", 1.0),
        ("inquiry", 1.0),
        ("hearing", 0.3),
        ("mediate", 0.5),
        ("ruling", 1.0),
        ("deliver", 1.0),
        ("archive", 0.3),
    ),
    "other": (
        ("accept", 1.0),
        ("review", 1.0),
        ("site", 0.3),
        ("collective", 0.15),
        ("approve", 1.0),
        ("deliver", 1.0),
        ("archive", 0.3),
    ),
    "public_service": (
        ("accept", 1.0),
        ("review", 1.0),
        ("approve", 0.5),
        ("deliver", 1.0),
        ("archive", 0.3),
    ),
}

# The one step of a power without a drawn map.
SINGLE_STEP: dict[str, str] = {
    "licensing": "single_service",
    "penalty": "single_enforce",
    "coercion": "single_coercion",
    "levy": "single_levy",
    "benefit": "single_benefit",
    "inspection": "single_inspect",
    "confirmation": "single_service",
    "reward": "single_reward",
    "adjudication": "single_adjudication",
    "other": "single_service",
    "public_service": "single_service",
}

# Public resource trading, from registration to contract filing (Qingdao's 18 steps).
TRADING_FLOW: tuple[tuple[str, str], ...] = (
    ("项目进场登记", "trade_register"),
    ("招标方案核准", "trade_document"),
    ("招标文件备案", "trade_document"),
    ("发布招标公告", "trade_notice"),
    ("投标报名", "trade_bid"),
    ("资格预审", "trade_qualify"),
    ("发售招标文件", "trade_document"),
    ("踏勘现场及答疑", "trade_notice"),
    ("抽取评标专家", "trade_expert"),
    ("开标", "trade_open"),
    ("评标", "trade_evaluate"),
    ("中标候选人公示", "trade_publicity"),
    ("定标", "trade_award"),
    ("中标结果公示", "trade_publicity"),
    ("发出中标通知书", "trade_award"),
    ("投标保证金退还", "trade_deposit"),
    ("签订合同", "trade_contract"),
    ("合同备案", "trade_contract"),
)

# Risks any step may carry, for the rare step given more risks than its kind lists.
GENERIC_RISKS: tuple[Risk, ...] = (
    Risk("工作人员廉洁自律意识不强，存在利益输送风险", ("定期开展廉政教育和警示教育", "签订廉政承诺书")),
    Risk("办理过程未全程留痕，责任难以追溯", ("全程纳入电子监察系统", "实行办件全过程电子化记录")),
    Risk("信息公开不及时、不全面，群众监督渠道不畅", ("办理结果和投诉渠道在政务服务网公开",)),
)

# Single steps stand for a whole power, so they carry about as many risks as two ordinary steps.
SINGLE_STEP_RISK_WEIGHT = 2.0
