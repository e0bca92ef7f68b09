"""Chinese word lists the demo county is made of.

Everything here is data: the fictional county and its townships, the words people's names are
built from, the statutes powers cite, the materials applicants hand in, and the phrases of
adjustment documents.  The county is invented on purpose (no real county is named 桐溪县), but the
statutes are real national laws and regulations, so the legal-basis text reads like a real
inventory.  Article numbers are drawn from each statute's real range — the liability chapter for
penalties — without claiming that a given article says what the power needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def _words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string, which reads better than 60 literals."""
    return tuple(text.split())


# ---------------------------------------------------------------------------------------------
# The county
# ---------------------------------------------------------------------------------------------

COUNTY_NAME = "桐溪县"
# Used in document numbers such as 桐溪府发〔2024〕12号.
COUNTY_SHORT = "桐溪"
# 5107xx is a prefecture's range; 99 is never given to a real county there.
COUNTY_CODE = "510799"
AREA_CODE = "0836"
# The county seat, where the government and the service hall sit.
SEAT = "锦屏街道"

# Every generated date is relative to this day, never to "today", so a seed is reproducible.
ANCHOR = date(2026, 11, 1)


@dataclass(frozen=True, slots=True)
class Township:
    """A township-level area: its 3-digit suffix follows the national rule (街道 0xx, 镇 1xx,
    乡 2xx) and it has this many communities and villages."""

    suffix: str
    name: str
    kind: str
    communities: int
    villages: int


TOWNSHIPS: tuple[Township, ...] = (
    Township("001", "锦屏街道", "street", 7, 3),
    Township("002", "凤凰街道", "street", 6, 4),
    Township("003", "文昌街道", "street", 5, 5),
    Township("101", "白鹤镇", "town", 2, 10),
    Township("102", "龙泉镇", "town", 2, 12),
    Township("103", "石门镇", "town", 1, 11),
    Township("104", "清溪镇", "town", 2, 9),
    Township("105", "双河镇", "town", 1, 13),
    Township("106", "黄坪镇", "town", 1, 8),
    Township("201", "高山乡", "township", 1, 8),
    Township("202", "桃源乡", "township", 1, 9),
    Township("203", "金竹乡", "township", 0, 8),
)

COMMUNITY_NAMES: tuple[str, ...] = _words(
    "东街 西街 南门 北门 滨江 锦绣 文昌 迎宾 花园 新城 正街 河街 学府 幸福 阳光 桐苑 溪畔 振兴"
)

VILLAGE_NAMES: tuple[str, ...] = _words(
    "桃花 柏林 石桥 龙井 金沙 青龙 白果 双河 红岩 新华 长乐 和平 团结 凤凰 太平 永安 清泉 杨柳 "
    "荷花 光明 胜利 黄桷 大湾 马鞍 高峰 水口 响水 兴隆 三合 五里 狮子 天池 银杏 梨树 竹林 松林 "
    "茶园 沙坝 堰塘 丰收 石龙 观音 核桃 鹿鸣 白云 回龙 新桥 庙坝 干溪 油坊 花果 板桥 木鱼 莲花 "
    "金鸡 红星 向阳 双龙 碾盘 柳溪"
)

# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

# The hundred most common surnames, the commonest repeated so they come up more often.
SURNAMES: tuple[str, ...] = tuple(
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
    "曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊"
    "秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)

GIVEN_CHARACTERS: tuple[str, ...] = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲红燕鹏浩宇婷雪琳晨欣怡"
    "俊峰波斌丹飞志海林春兰梅云鑫凯蓉佳慧倩亮新成荣东晓小德永玉翠莉萍彬蕾瑶诗子梓思雨"
)

MOBILE_PREFIXES: tuple[str, ...] = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 155 157 158 159 177 180 181 182 186 187 189 199"
)

# Posts every department has, and those some add; a township's leaders are named differently.
COUNTY_CORE_POSTS: tuple[str, ...] = ("窗口受理岗", "审核岗", "审批岗", "执法岗")
COUNTY_EXTRA_POSTS: tuple[str, ...] = (
    "现场核查岗",
    "法制审核岗",
    "制证发证岗",
    "科长",
    "分管副局长",
    "局长",
    "档案管理岗",
    "综合协调岗",
)
TOWNSHIP_CORE_POSTS: tuple[str, ...] = ("便民服务中心受理岗", "审核岗", "审批岗", "综合执法岗")
TOWNSHIP_EXTRA_POSTS: tuple[str, ...] = (
    "现场核查岗",
    "分管领导",
    "主要领导",
    "社会事务办岗",
    "村镇建设办岗",
    "档案管理岗",
    "网格管理岗",
)

POST_DUTIES: dict[str, str] = {
    "窗口受理岗": (
        "接收申请材料，当场审查材料是否齐全、是否符合法定形式，实行一次性告知，出具受理或者不予受理凭证"
    ),
    "便民服务中心受理岗": "在便民服务中心统一接件，代办转办县级事项，一次性告知所需材料",
    "审核岗": "对申请材料的实质内容进行审查，提出审查意见并签字",
    "审批岗": "根据审查意见作出准予或者不予许可的决定，对决定负责",
    "执法岗": "开展日常巡查、调查取证，制作执法文书，两名以上执法人员共同执法并出示执法证件",
    "综合执法岗": "承担镇（街道）综合行政执法事项的巡查、调查取证和文书送达",
    "现场核查岗": "按照核查标准开展现场核查，双人核查并留存影像资料",
    "法制审核岗": "对重大执法决定的合法性、适当性进行法制审核",
    "制证发证岗": "按照审批结果打印、核对、发放证照，登记证照领用台账",
    "科长": "组织本科室审查工作，对审查意见进行复核",
    "分管副局长": "审核签发分管业务范围内的审批、处罚决定",
    "局长": "主持集体讨论，签发重大事项决定",
    "分管领导": "审核签发分管业务范围内的事项",
    "主要领导": "主持重大事项集体讨论并签发决定",
    "档案管理岗": "办件材料立卷归档，管理档案查阅",
    "综合协调岗": "协调并联审批事项，汇总各部门意见",
    "社会事务办岗": "办理民政、社保、残联等社会事务类事项的审核和转报",
    "村镇建设办岗": "办理乡村建设规划、农村建房等事项的审核和现场踏勘",
    "网格管理岗": "组织网格员入户核查、收集群众诉求",
}

# ---------------------------------------------------------------------------------------------
# Statutes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Law:
    """A statute with the number of its articles and the span of its legal-liability chapter."""

    name: str
    articles: int
    liability: tuple[int, int]


LAWS: dict[str, Law] = {
    "licensing_law": Law("中华人民共和国行政许可法", 83, (69, 81)),
    "penalty_law": Law("中华人民共和国行政处罚法", 86, (76, 84)),
    "coercion_law": Law("中华人民共和国行政强制法", 71, (61, 68)),
    "food": Law("中华人民共和国食品安全法", 154, (122, 149)),
    "drug": Law("中华人民共和国药品管理法", 155, (114, 151)),
    "device": Law("医疗器械监督管理条例", 107, (81, 103)),
    "cosmetics": Law("化妆品监督管理条例", 80, (59, 76)),
    "product_quality": Law("中华人民共和国产品质量法", 74, (49, 70)),
    "advertising": Law("中华人民共和国广告法", 74, (55, 73)),
    "special_equipment": Law("中华人民共和国特种设备安全法", 101, (74, 99)),
    "metrology": Law("中华人民共和国计量法", 34, (26, 31)),
    "price": Law("中华人民共和国价格法", 48, (39, 45)),
    "ecommerce": Law("中华人民共和国电子商务法", 89, (74, 88)),
    "market_registration": Law("中华人民共和国市场主体登记管理条例", 53, (43, 52)),
    "competition": Law("中华人民共和国反不正当竞争法", 33, (17, 31)),
    "land": Law("中华人民共和国土地管理法", 87, (74, 84)),
    "planning": Law("中华人民共和国城乡规划法", 70, (58, 69)),
    "mineral": Law("中华人民共和国矿产资源法", 53, (39, 49)),
    "surveying": Law("中华人民共和国测绘法", 68, (51, 67)),
    "geohazard": Law("地质灾害防治条例", 49, (40, 47)),
    "real_estate_registration": Law("不动产登记暂行条例", 35, (29, 33)),
    "construction": Law("中华人民共和国建筑法", 85, (64, 80)),
    "construction_quality": Law("建设工程质量管理条例", 82, (54, 77)),
    "construction_safety": Law("建设工程安全生产管理条例", 71, (53, 67)),
    "real_estate": Law("中华人民共和国城市房地产管理法", 73, (65, 71)),
    "property_management": Law("物业管理条例", 67, (56, 64)),
    "gas": Law("城镇燃气管理条例", 53, (45, 52)),
    "bidding": Law("中华人民共和国招标投标法", 68, (49, 64)),
    "procurement": Law("中华人民共和国政府采购法", 88, (71, 80)),
    "highway": Law("中华人民共和国公路法", 98, (74, 84)),
    "highway_protection": Law("公路安全保护条例", 77, (56, 76)),
    "road_transport": Law("中华人民共和国道路运输条例", 110, (63, 103)),
    "taxi": Law("巡游出租汽车经营服务管理规定", 55, (45, 52)),
    "waterway": Law("中华人民共和国内河交通安全管理条例", 95, (67, 92)),
    "road_traffic": Law("中华人民共和国道路交通安全法", 124, (87, 118)),
    "public_security": Law("中华人民共和国治安管理处罚法", 119, (23, 76)),
    "household": Law("中华人民共和国户口登记条例", 23, (20, 21)),
    "id_card": Law("中华人民共和国居民身份证法", 23, (16, 20)),
    "explosives": Law("民用爆炸物品安全管理条例", 55, (44, 52)),
    "hotel": Law("旅馆业治安管理办法", 24, (16, 18)),
    "narcotics": Law("中华人民共和国禁毒法", 71, (58, 70)),
    "cybersecurity": Law("中华人民共和国网络安全法", 79, (59, 75)),
    "large_events": Law("大型群众性活动安全管理条例", 26, (20, 24)),
    "fire": Law("中华人民共和国消防法", 74, (58, 72)),
    "work_safety": Law("中华人民共和国安全生产法", 119, (90, 115)),
    "hazardous_chemicals": Law("危险化学品安全管理条例", 102, (75, 97)),
    "fireworks": Law("烟花爆竹安全管理条例", 45, (35, 44)),
    "mine_safety": Law("中华人民共和国矿山安全法", 50, (40, 48)),
    "emergency": Law("中华人民共和国突发事件应对法", 106, (95, 104)),
    "disaster_relief": Law("自然灾害救助条例", 35, (31, 33)),
    "environment": Law("中华人民共和国环境保护法", 70, (59, 63)),
    "air": Law("中华人民共和国大气污染防治法", 129, (98, 127)),
    "water_pollution": Law("中华人民共和国水污染防治法", 103, (81, 101)),
    "solid_waste": Law("中华人民共和国固体废物污染环境防治法", 126, (101, 123)),
    "eia": Law("中华人民共和国环境影响评价法", 37, (29, 34)),
    "noise": Law("中华人民共和国噪声污染防治法", 90, (71, 87)),
    "radiation": Law("中华人民共和国放射性污染防治法", 63, (49, 60)),
    "discharge_permit": Law("排污许可管理条例", 51, (33, 48)),
    "water": Law("中华人民共和国水法", 82, (64, 78)),
    "water_intake": Law("取水许可和水资源费征收管理条例", 58, (47, 55)),
    "flood": Law("中华人民共和国防洪法", 82, (64, 80)),
    "soil_conservation": Law("中华人民共和国水土保持法", 60, (48, 57)),
    "river": Law("中华人民共和国河道管理条例", 51, (44, 49)),
    "forest": Law("中华人民共和国森林法", 84, (73, 81)),
    "wildlife": Law("中华人民共和国野生动物保护法", 64, (42, 57)),
    "forest_fire": Law("森林防火条例", 56, (47, 53)),
    "plant_quarantine": Law("植物检疫条例", 24, (18, 19)),
    "wetland": Law("中华人民共和国湿地保护法", 65, (52, 63)),
    "seed": Law("中华人民共和国种子法", 92, (72, 90)),
    "animal_epidemic": Law("中华人民共和国动物防疫法", 113, (92, 111)),
    "agri_quality": Law("中华人民共和国农产品质量安全法", 81, (65, 79)),
    "pesticide": Law("农药管理条例", 66, (49, 63)),
    "animal_husbandry": Law("中华人民共和国畜牧法", 94, (76, 92)),
    "fishery": Law("中华人民共和国渔业法", 50, (38, 47)),
    "veterinary_drug": Law("兽药管理条例", 75, (56, 72)),
    "feed": Law("饲料和饲料添加剂管理条例", 51, (38, 49)),
    "agri_machinery": Law("农业机械安全监督管理条例", 60, (45, 57)),
    "slaughter": Law("生猪屠宰管理条例", 44, (31, 42)),
    "rural_land": Law("中华人民共和国农村土地承包法", 69, (60, 65)),
    "education": Law("中华人民共和国教育法", 86, (71, 83)),
    "private_education": Law("中华人民共和国民办教育促进法", 67, (62, 64)),
    "teachers": Law("中华人民共和国教师法", 43, (37, 39)),
    "compulsory_education": Law("中华人民共和国义务教育法", 63, (51, 60)),
    "preschool": Law("中华人民共和国学前教育法", 85, (75, 82)),
    "medical_institutions": Law("医疗机构管理条例", 54, (43, 50)),
    "physicians": Law("中华人民共和国医师法", 67, (54, 61)),
    "infectious_disease": Law("中华人民共和国传染病防治法", 80, (65, 77)),
    "public_places": Law("公共场所卫生管理条例", 14, (13, 14)),
    "occupational_disease": Law("中华人民共和国职业病防治法", 88, (69, 86)),
    "maternal_care": Law("中华人民共和国母婴保健法", 39, (35, 37)),
    "population": Law("中华人民共和国人口与计划生育法", 62, (39, 44)),
    "social_assistance": Law("社会救助暂行办法", 70, (66, 69)),
    "elderly": Law("中华人民共和国老年人权益保障法", 85, (75, 84)),
    "funeral": Law("殡葬管理条例", 24, (18, 22)),
    "social_organisations": Law("社会团体登记管理条例", 39, (29, 35)),
    "marriage": Law("婚姻登记条例", 22, (18, 20)),
    "charity": Law("中华人民共和国慈善法", 132, (108, 124)),
    "place_names": Law("地名管理条例", 44, (37, 41)),
    "labour_contract": Law("中华人民共和国劳动合同法", 98, (80, 95)),
    "employment": Law("中华人民共和国就业促进法", 69, (62, 68)),
    "social_insurance": Law("中华人民共和国社会保险法", 98, (84, 94)),
    "labour_inspection": Law("劳动保障监察条例", 36, (23, 33)),
    "work_injury": Law("工伤保险条例", 67, (57, 65)),
    "wage_payment": Law("保障农民工工资支付条例", 64, (53, 61)),
    "tax_administration": Law("中华人民共和国税收征收管理法", 94, (60, 88)),
    "invoices": Law("中华人民共和国发票管理办法", 45, (33, 42)),
    "vat": Law("中华人民共和国增值税法", 38, (36, 37)),
    "individual_income_tax": Law("中华人民共和国个人所得税法", 22, (19, 20)),
    "enterprise_income_tax": Law("中华人民共和国企业所得税法", 60, (58, 59)),
    "deed_tax": Law("中华人民共和国契税法", 17, (15, 16)),
    "vehicle_tax": Law("中华人民共和国车船税法", 13, (12, 13)),
    "resource_tax": Law("中华人民共和国资源税法", 17, (15, 16)),
    "urban_maintenance_tax": Law("中华人民共和国城市维护建设税法", 11, (10, 11)),
    "stamp_duty": Law("中华人民共和国印花税法", 20, (18, 19)),
    "environmental_tax": Law("中华人民共和国环境保护税法", 28, (26, 27)),
    "farmland_tax": Law("中华人民共和国耕地占用税法", 16, (14, 15)),
    "cultural_relics": Law("中华人民共和国文物保护法", 80, (64, 78)),
    "entertainment": Law("娱乐场所管理条例", 58, (41, 53)),
    "travel_agencies": Law("旅行社条例", 68, (46, 65)),
    "tourism": Law("中华人民共和国旅游法", 112, (95, 110)),
    "internet_cafes": Law("互联网上网服务营业场所管理条例", 37, (27, 34)),
    "performances": Law("营业性演出管理条例", 58, (43, 52)),
    "publications": Law("出版管理条例", 73, (61, 69)),
    "fitness": Law("全民健身条例", 40, (34, 38)),
    "statistics": Law("中华人民共和国统计法", 50, (37, 47)),
    "civil_defence": Law("中华人民共和国人民防空法", 53, (48, 49)),
    "religion": Law("宗教事务条例", 77, (61, 75)),
    "meteorology": Law("中华人民共和国气象法", 45, (35, 40)),
    "lightning": Law("气象灾害防御条例", 51, (42, 47)),
    "city_appearance": Law("城市市容和环境卫生管理条例", 39, (34, 38)),
    "drainage": Law("城镇排水与污水处理条例", 59, (49, 58)),
    "urban_roads": Law("城市道路管理条例", 45, (42, 43)),
    "urban_greening": Law("城市绿化条例", 31, (26, 29)),
    "veterans": Law("中华人民共和国退役军人保障法", 85, (80, 83)),
    "military_pensions": Law("军人抚恤优待条例", 83, (64, 72)),
    "soldier_resettlement": Law("退役士兵安置条例", 56, (51, 54)),
    "martyrs": Law("烈士褒扬条例", 67, (60, 65)),
    "medical_insurance_fund": Law("医疗保障基金使用监督管理条例", 50, (37, 47)),
    "accounting": Law("中华人民共和国会计法", 51, (40, 45)),
    "budget": Law("中华人民共和国预算法", 101, (92, 100)),
    "fiscal_violations": Law("财政违法行为处罚处分条例", 31, (12, 21)),
    "lawyers": Law("中华人民共和国律师法", 60, (47, 56)),
    "mediation": Law("中华人民共和国人民调解法", 35, (15, 15)),
    "legal_aid": Law("中华人民共和国法律援助法", 71, (61, 67)),
    "enterprise_investment": Law("企业投资项目核准和备案管理条例", 26, (18, 22)),
    "government_investment": Law("政府投资条例", 39, (32, 36)),
    "energy_saving": Law("中华人民共和国节约能源法", 87, (68, 85)),
    "grain": Law("粮食流通管理条例", 56, (44, 53)),
    "electricity": Law("中华人民共和国电力法", 75, (59, 74)),
    "salt": Law("食盐专营办法", 33, (26, 31)),
    "scrap_vehicles": Law("报废机动车回收管理办法", 29, (19, 26)),
    "recycling": Law("再生资源回收管理办法", 25, (22, 24)),
    "prepaid_cards": Law("单用途商业预付卡管理办法（试行）", 41, (34, 39)),
    "auctions": Law("中华人民共和国拍卖法", 69, (60, 66)),
    "foreign_trade": Law("中华人民共和国对外贸易法", 70, (60, 69)),
    "franchise": Law("商业特许经营管理条例", 34, (24, 33)),
}

# ---------------------------------------------------------------------------------------------
# Materials (申报材料)
# ---------------------------------------------------------------------------------------------

# Materials an organisation hands in, roughly in the order a checklist lists them.
ORGANISATION_MATERIALS: tuple[str, ...] = (
    "营业执照复印件",
    "法定代表人身份证明",
    "经办人身份证件及授权委托书",
    "场所产权证明或者租赁合同",
    "场所平面布局图",
    "主要设施设备清单",
    "管理制度文本",
    "专业技术人员名单及资格证明",
    "安全生产责任制文件",
    "相关技术资料",
    "项目批准（核准、备案）文件",
    "环境影响评价文件",
    "工程竣工验收资料",
    "告知承诺书",
)

# Materials a person hands in.
PERSONAL_MATERIALS: tuple[str, ...] = (
    "居民身份证",
    "户口簿",
    "家庭收入及财产状况说明",
    "家庭经济状况核对授权书",
    "结婚证",
    "残疾人证",
    "本人银行账户（社会保障卡）信息",
    "近期免冠照片",
    "医疗机构诊断证明",
    "劳动合同或者用工证明",
    "委托代办的须提交委托书及代办人身份证件",
)

MATERIAL_NOTES: tuple[str, ...] = (
    "原件核验后退回",
    "加盖单位公章",
    "复印件须注明“与原件一致”并签字",
    "可通过部门数据共享获取的，免于提交",
    "申请人本人签字",
    "A4纸张，一式两份",
    "电子证照可替代",
)

# ---------------------------------------------------------------------------------------------
# Fees (收费标准) — the few items that charge anything cite the charging document.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fee:
    yuan: str
    name: str
    basis: str


REAL_ESTATE_FEES: tuple[Fee, ...] = (
    Fee(
        "80.00",
        "不动产登记费（住宅）",
        "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
    ),
    Fee(
        "550.00",
        "不动产登记费（非住宅）",
        "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
    ),
    Fee(
        "10.00",
        "不动产权属证书工本费",
        "《财政部 国家发展改革委关于不动产登记收费有关政策问题的通知》（财税〔2016〕79号）",
    ),
)
ID_CARD_FEES: tuple[Fee, ...] = (
    Fee(
        "20.00",
        "居民身份证工本费",
        "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
    ),
    Fee(
        "40.00",
        "居民身份证工本费（丢失补领、损坏换领）",
        "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
    ),
)
GENERAL_FEES: tuple[Fee, ...] = (
    Fee("15.00", "证照工本费", "《全国政府性基金和行政事业性收费目录清单》"),
    Fee("5.00", "证书工本费", "《全国政府性基金和行政事业性收费目录清单》"),
    Fee("50.00", "考试考务费", "《国家发展改革委 财政部关于调整考试收费标准的通知》及县发展改革局核定标准"),
)

# ---------------------------------------------------------------------------------------------
# Conditions (申请条件) and procedures
# ---------------------------------------------------------------------------------------------

LICENSING_CONDITIONS: tuple[str, ...] = (
    "具有与{subject}相适应的场所、设施和设备",
    "具有与{subject}相适应的专业技术人员和管理人员",
    "具有健全的{subject}管理制度和安全责任制度",
    "具有符合规定的应急预案和应急处置能力",
    "选址和布局符合国土空间规划及相关技术规范",
    "近三年内无重大违法违规记录",
)

BENEFIT_CONDITIONS: tuple[str, ...] = (
    "具有本县户籍并在本县实际居住",
    "家庭人均收入低于本县当年公布的标准",
    "家庭财产状况符合本县规定",
    "申请人或者其家庭成员如实申报家庭收入、财产状况",
    "未享受同类同性质的其他补助",
    "经村（居）民委员会民主评议并公示无异议",
)

# Procedure text of a power whose map is one step: the statutory sequence by category.
CATEGORY_PROCEDURES: dict[str, str] = {
    "licensing": "申请—受理—审查—决定—送达",
    "penalty": "立案—调查取证—审查—告知—决定—送达—执行",
    "coercion": "报批—告知—实施—制作现场笔录—作出处理决定",
    "levy": "申报—核定—征收—入库",
    "benefit": "申请—受理—审核—公示—审批—发放",
    "inspection": "制定检查计划—实施检查—检查结果处理—结果公开",
    "confirmation": "申请—受理—审核—确认—送达",
    "reward": "推荐申报—审核—公示—决定—颁发奖励",
    "adjudication": "申请—受理—调查—裁决—送达",
    "other": "申请—受理—审核—办结",
    "public_service": "申请—受理—办结",
}

# ---------------------------------------------------------------------------------------------
# Adjustments (调整) and notes
# ---------------------------------------------------------------------------------------------

# (reason, document kind) for a power's first appearance in the inventory.
ADDED_REASONS: tuple[tuple[str, str], ...] = (
    ("根据《{county}人民政府关于公布县级政府部门权责清单的通知》，纳入本部门权责清单", "府发"),
    ("依据《{law}》梳理确认，新增列入权责清单", "府办发"),
    ("根据机构改革方案，由原职能部门划转承接", "编发"),
    ("承接上级下放事项，纳入县级权责清单", "府发"),
    ("根据深化综合行政执法改革要求，纳入本部门行政执法事项目录", "府办发"),
    ("根据全省政务服务事项标准化要求，统一事项名称和编码后列入", "审改办发"),
)

CANCELLED_REASONS: tuple[tuple[str, str], ...] = (
    ("根据《国务院关于取消和下放一批行政许可事项的决定》予以取消", "府发"),
    ("设定依据已修订废止，予以取消", "府办发"),
    ("职责划转至{other}，本部门不再行使", "编发"),
    ("根据权责清单动态调整意见，与相关事项合并，本事项予以取消", "审改办发"),
)

INTERNAL_NOTES: tuple[str, ...] = (
    "2026年拟下放至镇街",
    "拟纳入“一件事一次办”集成服务",
    "与相关部门存在职责交叉，待县委编办明确",
    "2025年度办件量居本部门前列，列为高频事项",
    "拟实行告知承诺制",
    "上级业务系统尚未对接，暂由窗口线下受理",
    "纪检组2025年专项检查发现自由裁量基准需细化",
    "拟推行全程网办，取消到现场要求",
)

DRAFT_NOTES: tuple[str, ...] = (
    "事项要素待法制审核后发布",
    "待县委编办审定后对外公布",
    "新增事项，办事指南正在编制",
)
