"""Write the bundled sample rubrics and units lists from the Python data below.

Run ``python samples/make_samples.py`` after editing; it rewrites

* ``南昌老干部/细则.xlsx``, ``南昌老干部/细则.yaml`` (the same rubric), ``南昌老干部/单位.xlsx``
* ``动力厂党建/细则.xlsx``, ``动力厂党建/单位.xlsx``
* ``新庄镇综合考核/细则.xlsx``, ``新庄镇综合考核/单位.xlsx``

The rubrics are transcribed by hand from the source documents in ``shared/seeds``
(000: 南昌, 003: 动力厂, 004: 新庄镇), in simplified Chinese. Where the seed text is
damaged (characters masked as ``**``, conversion artefacts such as 演示文稿 for 简报)
or its numbers do not add up, docs/rubric.md says what was chosen. Units are invented
but plausible; e-mail addresses use the reserved example.cn domain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import yaml
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent

Row = dict[str, Any]

ITEM_COLUMNS = ["编号", "类别", "考核内容", "分值", "类型", "评分标准", "考核办法", "步长", "评分要点", "取高组"]
WIDTHS = {
    "编号": 6,
    "类别": 14,
    "考核内容": 60,
    "分值": 7,
    "类型": 7,
    "评分标准": 40,
    "考核办法": 28,
    "步长": 7,
    "评分要点": 24,
    "取高组": 8,
}
BY_SUBPOINTS = "按括号内分值逐项计分，未做到的项目不得分"


def item(
    item_id: int | str,
    category: str,
    content: str,
    points: float | None,
    rule: str = "",
    method: str = "",
    kind: str = "",
    step: float | None = None,
    hints: str = "",
    best_of: str = "",
) -> Row:
    """One 条目 row; empty fields are left out (blank cell / no YAML key)."""
    row: Row = {"编号": str(item_id), "类别": category, "考核内容": content, "分值": points}
    fields = (
        ("类型", kind),
        ("评分标准", rule),
        ("考核办法", method),
        ("步长", step),
        ("评分要点", hints),
        ("取高组", best_of),
    )
    for key, value in fields:
        if value not in ("", None):
            row[key] = value
    return row


# =============================================================================== 南昌
# Seed 000: 南昌市县区2023年老干部工作目标管理考核细则. Ten sections; the 分值 of each item is
# the sum of its bracketed sub-points (checked against the flattened 分值 digit runs
# 721251216221431 / 24123116221432 / 332212 / 1.51.5331323 in the seed).
NC_SECTIONS: list[tuple[str, int | None]] = [
    ("领导重视", 20),
    ("政治待遇", 20),
    ("生活待遇", 20),
    ("阵地建设和学习活动开展情况", 10),
    ("引导老干部发挥作用", 5),
    ("宣传调研", 10),
    ("信访工作", 3),
    ("队伍建设", 12),
    ("加分内容", None),
    ("扣分内容", None),
]
S1, S2, S3, S4, S5, S6, S7, S8, S9, S10 = (name for name, _ in NC_SECTIONS)

NANCHANG_ITEMS: list[Row] = [
    # 一、领导重视（20分）
    item(
        1,
        S1,
        "县（区）委把老干部工作摆上议事日程，把离退休干部工作纳入当地党建工作和各级领导班子政绩考核内容（3分），党委每年至少听取并研究老干部工作一次（2分）；落实老干部局长兼任同级组织部门副部长（2分）",
        7,
        BY_SUBPOINTS,
    ),
    item(
        2,
        S1,
        "把离退休干部党组织建设纳入党建工作总体规划，统一部署规划，统一检查考核，统一总结表彰（2分）",
        2,
        BY_SUBPOINTS,
    ),
    item(3, S1, "每年召开全县（区）老干部工作会，分管领导参加全市老干部工作会议（1分）", 1, BY_SUBPOINTS),
    item(
        4, S1, "成立并及时调整老干部工作领导小组（1分），每年召开2次以上老干部工作领导小组会议（1分）", 2, "少1次扣1分"
    ),
    item(
        5,
        S1,
        "认真开展走访慰问活动。在职县区领导亲自走访慰问老干部（1分），坚持春节、高温期间、老干部生病住院及家庭发生重大变故时，主要领导或分管领导走访慰问率达100%（4分）",
        5,
        "少1次扣1分",
    ),
    item(6, S1, "县（区）领导经常听取老干部和老干部工作部门的意见和建议（1分）", 1, BY_SUBPOINTS),
    item(7, S1, "老干部工作业务经费纳入财政预算，并随经济发展有所增加（2分）", 2, BY_SUBPOINTS),
    # 二、政治待遇（20分）
    item(
        8,
        S2,
        "建立离退休干部理论学习、阅读文件、通报情况、走访慰问、参观考察、参加重要会议和重大活动等制度",
        1,
        "制度健全得1分",
    ),
    item(
        9,
        S2,
        "县（区）主要领导每年至少向老干部通报情况1次以上（1分）；老干部局组织报告会两次以上（不含保健讲座）（1分）；每年至少召开1次离退休干部座谈会（1分）；每年组织2次老干部就近就地参观考察经济社会发展情况（1分）；重要会议、重大活动邀请老干部参加（1分）；加强离退休干部理论培训，举办离退休干部培训班（1分）",
        6,
        BY_SUBPOINTS,
    ),
    item(10, S2, "扩大离退休干部党组织覆盖面，离退休干部党支部数有所增加（2分）", 2, BY_SUBPOINTS),
    item(
        11,
        S2,
        "离退休干部党支部都有活动场地（1分），完善和落实离退休干部党员组织生活的各项制度（1分）",
        2,
        BY_SUBPOINTS,
    ),
    item(12, S2, "配齐配强离退休干部党支部书记，完善和坚持离退休干部党支部书记例会制度（1分）", 1, BY_SUBPOINTS),
    item(
        13,
        S2,
        "全面开展“五好”支部创建活动，有创建方案，有工作总结（2分），召开“五好支部”现场交流会（2分）",
        4,
        BY_SUBPOINTS,
    ),
    item(
        14,
        S2,
        "保障老干部学习活动经费，每个离退休干部党支部订阅两报一刊（《中国老年报》《南昌日报》《老友》杂志）（1分），能按规定向离退休干部订阅《老友》杂志，发放学习资料（2分）",
        3,
        BY_SUBPOINTS,
    ),
    item(15, S2, "积极开展学习教育主题活动（1分）", 1, BY_SUBPOINTS),
    # 三、生活待遇（20分）
    item(
        16,
        S3,
        "加入南昌地区离休干部医药费单独统筹的，离休干部医药费统筹金按规定及时足额交纳；未加入统筹的，离休干部医药费做到了按规定实报实销（4分）",
        4,
        BY_SUBPOINTS,
    ),
    item(17, S3, "离休干部的离休费和统筹外各项费用按时足额发放（1分）", 1, BY_SUBPOINTS),
    item(18, S3, "建立了离休干部健康档案（1分），及时协调处理好离休干部在就医过程中遇到的问题（1分）", 2, BY_SUBPOINTS),
    item(
        19,
        S3,
        "离休干部专项解困资金列入了同级财政预算（2分）；建立和完善了困难离休干部及遗属登记和动态管理制度（0.5分），使用规范，对生活有特殊困难的离休干部及时进行了走访慰问（0.5分）",
        3,
        BY_SUBPOINTS,
    ),
    item(
        20,
        S3,
        "经常联络异地居住或异地安置的离休干部，帮助他们协调解决实际问题，并按规定走访慰问（1分）",
        1,
        BY_SUBPOINTS,
    ),
    item(21, S3, "及时为生活完全不能自理的离休干部办理了增加护理费的手续（1分）", 1, BY_SUBPOINTS),
    item(22, S3, "选择2个以上基础较好的社区，开展离退休干部社区“四就近”服务试点工作（6分）", 6, BY_SUBPOINTS),
    item(23, S3, "与离休干部“结对联络”达100%，做到活动有记录、联络不间断（2分）", 2, BY_SUBPOINTS),
    # 四、阵地建设和学习活动开展情况（10分）
    item(24, S4, "成立老干部活动中心或老年大学，有场地、有人员、有编制、有经费（2分）", 2, BY_SUBPOINTS),
    item(
        25,
        S4,
        "老干部活动中心服务工作细致、周到、规范，经常性地开展活动或老年大学教学内容丰富、教学质量高（1分）",
        1,
        BY_SUBPOINTS,
    ),
    item(
        26,
        S4,
        "围绕重大节日、重要事件等主题，组织老干部开展丰富多彩的活动（2分），开展的活动有县区领导参加（2分）",
        4,
        BY_SUBPOINTS,
    ),
    item(27, S4, "积极参加省、市组织的各项老干部活动（3分）", 3, BY_SUBPOINTS),
    # 五、引导老干部发挥作用（5分）
    item(
        28,
        S5,
        "认真开展关心下一代工作。组织离退休干部积极参与对青少年的各类宣传教育活动（0.5分），认真开展帮扶、帮困助学活动，开展“双百工程”活动（0.5分），参与学校、家庭、社会三结合教育网络建设（0.5分），坚持“五老”网吧监督员活动（0.5分）",
        2,
        BY_SUBPOINTS,
    ),
    item(
        29,
        S5,
        "切实抓好老干部志愿者队伍建设，老干部治安义务巡逻队活动经常（1分）；结合创建文明城市、城运会、社区和谐、帮扶助困等，组建、壮大老干部志愿者队伍，已组建有名册（1分）；开展老干部志愿者服务活动，有活动文字图片资料（1分）",
        3,
        BY_SUBPOINTS,
    ),
    # 六、宣传调研（10分）
    item(
        30,
        S6,
        "在市级以上电视、报纸、杂志、网络等新闻媒体上用稿达到10篇以上（不含市委老干部局的简报和网站）（3分）",
        3,
        "少一篇扣0.3分",
        step=0.1,
    ),
    item(31, S6, "在《南昌老干部工作》简报上稿不少于6篇（2分）", 2, "少一篇扣0.3分", step=0.1),
    item(32, S6, "组织开展老干部工作调研，形成有价值的调研文章一篇以上（2分）", 2, BY_SUBPOINTS),
    item(33, S6, "老干部信息库专人负责（0.5分），有专用的办公设备，及时提供准确信息（0.5分）", 1, BY_SUBPOINTS),
    item(
        34,
        S6,
        "完成《老友》杂志征订任务（2分），完成任务数的70%（1分），完成任务数的50%（0.5分）",
        2,
        "完成任务得2分；完成任务数的70%得1分；完成任务数的50%得0.5分；不足50%不得分",
    ),
    # 七、信访工作（3分）
    item(
        35,
        S7,
        "建立、健全老干部信访工作制度（0.5分），对老干部来信来访有登记、有回复（0.5分），信访诉求能得到妥善处置（0.5分）",
        1.5,
        BY_SUBPOINTS,
    ),
    item(36, S7, "无老干部越级上访、集体上访、联名上访（1.5分）", 1.5, "发生越级上访、集体上访或联名上访的不得分"),
    # 八、队伍建设（12分）
    item(37, S8, "工作制度健全（1分）、工作规范有序（1分）、活动有记录（1分）", 3, BY_SUBPOINTS),
    item(38, S8, "按时报送年度工作安排或要点（1分）、半年工作总结（1分）和年终工作总结（1分）", 3, BY_SUBPOINTS),
    item(39, S8, "老干部工作人员积极参加市局组织的各类业务培训（1分）", 1, BY_SUBPOINTS),
    item(
        40,
        S8,
        "扎实贯彻落实10号、19号文件精神，制定下发贯彻落实的《实施意见》（1分），全力做好中组部和省委老干部局督查的迎检工作（2分）",
        3,
        BY_SUBPOINTS,
    ),
    item(41, S8, "按质按量完成市委老干部局下达的各项工作任务（2分）", 2, BY_SUBPOINTS),
    # 九、加分内容: 分值 is the most the item can give (see docs/rubric.md)
    item(42, S9, "老干部综合工作获省级表彰加5分，获市级表彰加2分", 5, "获省级表彰加5分；获市级表彰加2分", kind="加分"),
    item(43, S9, "老干部单项工作获省级表彰加3分，获市级表彰加1分", 3, "获省级表彰加3分；获市级表彰加1分", kind="加分"),
    item(
        44,
        S9,
        "老干部工作经验（典型材料）被中央、省（含组织部、老干部局）有关会议采用的，分别加10分、5分",
        10,
        "被中央有关会议采用加10分；被省有关会议采用加5分",
        kind="加分",
    ),
    item(
        45,
        S9,
        "创建工作有特色，成效明显，市委老干部局将其经验向全市推广加2分，若召开现场会另加3分",
        5,
        "经验向全市推广加2分；召开现场会另加3分",
        kind="加分",
    ),
    item(
        46,
        S9,
        "被中组部《组工信息》、《老干部工作情况交流》采用信息加5分；被省老干部局《老友》采用信息、宣传文章1篇加4分；在《中国老年报》发表文章1篇加2分",
        11,
        "中组部采用加5分；《老友》采用1篇加4分；《中国老年报》发表1篇加2分",
        kind="加分",
    ),
    item(
        47,
        S9,
        "老干部工作调研文章获市局优秀加1分，获省局优秀加2分",
        2,
        "获市局优秀加1分；获省局优秀加2分（同一文章按最高计）",
        kind="加分",
    ),
    # 十、扣分内容
    item(48, S10, "因工作不到位，引发老干部集体上访（5人及以上）", 50, "扣50分", kind="扣分"),
    item(49, S10, "因工作不到位，引发老干部重大事故", None, "直接定为不达标", kind="否决"),
    item(50, S10, "老干部工作人员发生违法乱纪行为", 20, "扣20分", kind="扣分"),
]

NANCHANG: dict[str, Any] = {
    "settings": {
        "考核名称": "南昌市县区2023年老干部工作目标管理考核",
        "年度": 2023,
        "满分": 100,
        "加分上限": 10,
        "加分门槛": 0,
        "合格线": 60,
        "等次": "优秀>=90;良好>=80;达标>=60;不达标",
        "否决等次": "不达标",
        "差异阈值": 1,
        "多人评分": "平均",
        "步长": 0.5,
        "截止日期": "2024年1月15日",
        "联系人": "市委老干部局综合处 刘同志",
        "联系电话": "0791-86000000",
    },
    "categories": [{"类别": name, "分值": cap} for name, cap in NC_SECTIONS],
    "sources": None,
    "items": NANCHANG_ITEMS,
}

_NC_UNITS = [
    ("东湖区", "城区", "donghu", "第一考核组"),
    ("西湖区", "城区", "xihu", "第一考核组"),
    ("青云谱区", "城区", "qingyunpu", "第一考核组"),
    ("青山湖区", "城区", "qingshanhu", "第一考核组"),
    ("新建区", "城区", "xinjian", "第一考核组"),
    ("红谷滩区", "城区", "honggutan", "第一考核组"),
    ("南昌县", "县", "nanchangxian", "第二考核组"),
    ("进贤县", "县", "jinxian", "第二考核组"),
    ("安义县", "县", "anyi", "第二考核组"),
    ("经开区", "开发区", "jingkai", "第二考核组"),
    ("高新区", "开发区", "gaoxin", "第二考核组"),
    ("湾里管理局", "开发区", "wanli", "第二考核组"),
]
NANCHANG_UNITS: list[Row] = [
    {
        "编号": f"{n:02d}",
        "单位名称": name,
        "分组": group,
        # two units give a second address (an office mailbox besides the clerk's)
        "邮箱": f"lgj.{mail}@example.cn" + (f";office.{mail}@example.cn" if n in (1, 7) else ""),
        "考核组": team,
    }
    for n, (name, group, mail, team) in enumerate(_NC_UNITS, start=1)
]

# =============================================================================== 动力厂
# Seed 003, first document: 动力厂党委2023年度党建工作目标责任制考评细则 (栏目/分值/考核内容/
# 评分标准/考核办法). From the second document of the same seed: two assessment rounds
# (阶段性专项督查 30 % + 年终综合检查 70 %), bonus only when the total after deductions
# is 60 or more, at most 10, 就高不就低 (one achievement counts once, at its highest
# award; different achievements add up), below 60 fails.
D0, D1, D2, D3, D4, D5, D6 = (
    "重点指标",
    "领导班子及干部队伍建设",
    "党支部建设目标",
    "企业文化建设和思想政治工作",
    "群团工作",
    "其他工作",
    "特色工作",
)
DP, DB = "督查扣分", "奖励加分"

DONGLI_ITEMS: list[Row] = [
    # 重点指标 20 分 is 扣分制: each indicator's deductions come off the shared 20 points,
    # 扣完为止 (the 分值 of each row is the most it can cost: all 20).
    item(
        1,
        D0,
        "保证本单位生产经营承包任务完成，确保厂“三超一保”工作目标实现。",
        20,
        "未完成生产经营任务扣20分；完成任务，但成本费用未达要求扣5分。",
        "以厂经济承包考核通报结果为依据。",
    ),
    item(
        2,
        D0,
        "认真开展党风廉政建设，班子成员没有因廉洁问题受到刑事处理。",
        20,
        "班子成员受到刑事处理扣20分；受到党纪政纪处分扣5分；群众举报、经查证属实为一般性问题，每起扣2分；未召开班子党风廉政建设专题民主生活会扣3分；未开展党风廉政教育扣2分；党员、干部每发生一起违纪违法问题扣1分；保证书未达100%扣1分；未向职工述廉扣5分。",
        "以厂纪委查处结果为依据；查有关会议记录。",
    ),
    item(
        3,
        D0,
        "不出现计划外生育。",
        20,
        "出现计划外生育扣20分；“三率”未达标，分别扣3分。",
        "以厂计生办考核结果为依据。",
    ),
    item(
        4,
        D0,
        "安全生产达标。",
        20,
        "发生重大人身伤亡、设备事故扣20分；发生一般性安全事故扣5分；每重复发生一起一般性安全事故累进加扣5分，直至20分扣完；未开展经常性安全生产教育扣3分。",
        "事故发生情况以厂安全通报结果为依据。开展经常性安全生产教育情况，查车间或班组记录。",
    ),
    item(
        5,
        D1,
        "坚持干部政治学习制度，注重政治理论和业务学习，每月不少于一次。（5分）",
        5,
        "每少一次扣2分。",
        "查干部政治学习记录本。",
    ),
    item(
        6,
        D1,
        "坚持民主集中制原则，对本单位年度生产经营任务的分解落实、管理制度的制定和修改、职工收入分配方案、劳动保护及福利等重大问题实行集体决策。（5分）",
        5,
        "重大问题未经支委会集体决策不得分；参与较好的得5分；参与一般的得2分。",
        "查支委会记录本。",
    ),
    item(
        7,
        D1,
        "每季召开一次班子或支委民主生活会，正确开展批评与自我批评，领导班子团结、有战斗力。（5分）",
        5,
        "没有召开民主生活会或班子明显不团结不得分。",
        "查民主生活会记录本。",
    ),
    item(
        8,
        D2,
        "认真开展“支部创五好、党员争五强”活动，每季对党员进行一次量化考核。（6分）",
        6,
        "无活动方案不得分；未进行检查考核扣4分。",
        "全年活动方案报党工部；检查考核记录。",
    ),
    item(
        9,
        D2,
        "每月分别召开一次支委会、党小组会；每季召开一次党员大会，上一次党课。（7分）",
        7,
        "每缺一次会议分别扣2分；未上党课扣3分。",
        "分别查支委会、党小组会、支部党员大会和党课记录本。",
    ),
    item(
        10,
        D2,
        "按规程要求做好发展党员工作，新发展党员质量高。（4分）",
        4,
        "新发展党员未按期转正不得分；未按规程发展党员、需经团组织推优而未经推优、发展新党员及预备党员转正未公示分别扣2分。",
        "分别查支委会、党小组会、支部党员大会或团支部记录本，以及公示栏公示情况。",
    ),
    item(
        11,
        D2,
        "党支部每季次月5日前足额上缴党费。（3分）",
        3,
        "未按时足额上缴党费不得分。",
        "以党支部收缴收据时间为准。",
    ),
    item(
        12,
        D3,
        "认真开展企业文化建设，积极创建文明单位。（5分）",
        5,
        "无活动方案不得分；活动无明显特色扣3分；环境整治未达标扣2分。",
        "活动方案报党工部。",
    ),
    item(
        13,
        D3,
        "思想政治工作深入细致，没有发生影响恶劣的突发性、群体性上访事件。（3分）",
        3,
        "出现一般性群访事件扣2分；影响恶劣的不得分。",
        "党工部、厂办考察情况。",
    ),
    item(
        14,
        D3,
        "班子成员民主意识浓，有依靠职工办企业的思想。（4分）",
        4,
        "未进行车务公开不得分；不倾听职工呼声、对职工合理化建议不采纳扣2分。",
        "检查公开栏；召开座谈会听取职工反映。",
    ),
    item(
        15,
        D3,
        "及时了解和分析职工思想动态，每季撰写规定的新闻稿件，每月最少办一期黑板报。（5分）",
        5,
        "稿件撰写量未达标扣4分；黑板报每少办一期扣1分。",
        "稿件以送达党工部为准；黑板报每月进行检查。",
    ),
    item(
        16,
        D3,
        "关心职工生活，及时解决职工的困难，积极为职工办好事、做实事。（3分）",
        3,
        "对职工反映的困难和合理要求，能解决而未解决的不得分；未办实事不得分；列入年度安排，拟办而未办的扣2分。",
        "视职工反映而定。",
    ),
    item(
        17,
        D4,
        "积极组织开展以劳动竞赛、技术比武、合理化建议为主要内容的经济技术创新和“安康杯”竞赛活动。（4分）",
        4,
        "未开展的不得分；效果不明显的扣2分。",
        "以工会考核结果为依据。",
    ),
    item(
        18,
        D4,
        "开展女职工素质达标、巾帼创优、“创争”和职工文化体育等活动。（3分）",
        3,
        "未开展的不得分；效果不明显的扣2分。",
        "以工会考核结果为依据。",
    ),
    item(
        19,
        D4,
        "每季听取一次群团组织工作汇报，指导群团组织开展工作，群团组织健全，经费落实。（4分）",
        4,
        "未听取汇报不得分；经费不落实分别扣2分。",
        "查党支部或群团组织工作记录本。",
    ),
    item(
        20,
        D4,
        "充分发挥团组织作用，达到标准化要求。（4分）",
        4,
        "未达到标准化要求不得分；团组织作用发挥不好扣2分。",
        "以团委考核结果为依据。",
    ),
    item(21, D5, "按时保质保量完成上级交办的任务。", 5, "酌情评分。"),
    item(22, D6, "党建工作有创新，党内活动及群团工作有特色。", 5, "酌情评分。"),
    item(
        23,
        DP,
        "专项督查、年终检查发现的问题逾期未整改",
        10,
        "每项扣2分，最多扣10分；每次开展专项督查所扣的分值和年终所扣的分值皆计入年度考评总分。",
        "查督查通报及整改台账。",
        kind="扣分",
    ),
    # 就高不就低: the awards of one achievement share a 取高组 and count once, at the
    # highest; different achievements (表彰 / 推广) add up; then the cap of 10.
    item(
        24,
        DB,
        "受中央、省级表彰或被评为全国、省级先进基层党组织",
        5,
        "按表彰级别加分。",
        "查表彰文件。",
        kind="加分",
        best_of="表彰",
    ),
    item(
        25,
        DB,
        "受市级（公司）表彰或被评为市级（公司）先进基层党组织",
        3,
        "按表彰级别加分。",
        "查表彰文件。",
        kind="加分",
        best_of="表彰",
    ),
    item(
        26,
        DB,
        "受厂、镇表彰或被评为厂级先进基层党组织",
        1,
        "按表彰级别加分。",
        "查表彰文件。",
        kind="加分",
        best_of="表彰",
    ),
    item(
        27,
        DB,
        "党建工作经验做法在国家、省级发文推广或媒体刊发",
        5,
        "按发文或刊发层级加分。",
        "查推广文件、刊发稿件。",
        kind="加分",
        best_of="推广",
    ),
    item(
        28,
        DB,
        "党建工作经验做法在市级（公司）发文推广或媒体刊发",
        3,
        "按发文或刊发层级加分。",
        "查推广文件、刊发稿件。",
        kind="加分",
        best_of="推广",
    ),
]

DONGLI: dict[str, Any] = {
    "settings": {
        "考核名称": "动力厂党委2023年度党建工作目标责任制考评",
        "年度": 2023,
        "满分": 100,
        "加分上限": 10,
        "加分门槛": 60,
        "加分门槛依据": "扣分后",
        "合格线": 60,
        "等次": "优秀>=90;良好>=80;合格>=60;不合格",
        "否决等次": "不合格",
        "差异阈值": 2,
        "步长": 0.5,
        "截止日期": "2024年1月10日",
        "联系人": "厂党委工作部 陈同志",
        "联系电话": "0714-8800000",
    },
    "categories": [
        {"栏目": D0, "分值": 20, "计分方式": "扣分制"},
        {"栏目": D1, "分值": 15},
        {"栏目": D2, "分值": 20},
        {"栏目": D3, "分值": 20},
        {"栏目": D4, "分值": 15},
        {"栏目": D5, "分值": 5},
        {"栏目": D6, "分值": 5},
        {"栏目": DP, "分值": None},
        {"栏目": DB, "分值": None},
    ],
    "sources": [
        {"来源": "自评", "表单": "自评表", "权重": 0},
        {"来源": "专项督查", "表单": "考核组评分表", "权重": 0.3},
        {"来源": "年终考核", "表单": "考核组评分表", "权重": 0.7},
    ],
    "items": DONGLI_ITEMS,
}

_DL_UNITS = [
    ("运行车间党支部", "yunxing"),
    ("检修车间党支部", "jianxiu"),
    ("供电车间党支部", "gongdian"),
    ("供水车间党支部", "gongshui"),
    ("锅炉车间党支部", "guolu"),
    ("空压车间党支部", "kongya"),
    ("仪表车间党支部", "yibiao"),
    ("机关党支部", "jiguan"),
]
DONGLI_UNITS: list[Row] = [
    {
        "编号": f"D{n:02d}",
        "单位名称": name,
        "分组": "机关" if name.startswith("机关") else "车间",
        "邮箱": f"{mail}@dlc.example.cn",
        "考核组": "党委考评组",
    }
    for n, (name, mail) in enumerate(_DL_UNITS, start=1)
]

# =============================================================================== 新庄镇
# Seed 004: 新庄镇2017年度党务政务工作目标管理综合考核实施方案. 15 categories of 100 points
# scored by the 考核组; the 党政班子成员 rate the same categories out of 100 in total.
# Each category: (name, its 班子评分 maximum, [(content, points), ...]).
XZ_CATEGORIES: list[tuple[str, int, list[tuple[str, float]]]] = [
    (
        "党建工作",
        20,
        [
            ("“三会一课”等党内组织生活制度落实", 19),
            ("党建责任清单落实", 5.5),
            ("做合格党员", 13),
            ("承诺、亮诺、践诺、评诺", 5),
            ("六大行动（组织、堡垒行动由上级党组织负责）", 9),
            ("基层党建七项重点任务", 6),
            ("党员冬训", 6),
            ("约谈工作", 4),
            ("专题研讨", 4),
            ("“两学一做”学习教育", 3),
            ("学习执行情况", 2),
            ("决策与权利监督", 1),
            ("党群创业互助会资料", 5),
            ("发展党员情况", 2),
            ("集体经济", 8),
            ("阵地建设", 3),
            ("民主测评（好、较好、一般、较差）", 5),  # item 17: filled by the 民主测评 source
        ],
    ),
    (
        "党风廉政建设",
        10,
        [
            ("日常检查", 10),
            ("党风廉政建设主体责任", 30),
            ("党风廉政建设监督责任", 25),
            ("重点工作完成情况", 25),
            ("民主评议", 10),
        ],
    ),
    (
        "精神文明建设",
        5,
        [
            ("创城暨全域无垃圾", 40),
            ("精神文明宣传", 16),
            ("群众性文化活动开展", 18),
            ("扫黄打非工作", 6),
            ("农家书屋建设", 20),
        ],
    ),
    (
        "社会治安综合治理",
        10,
        [
            ("年度综治目标责任书签订情况", 10),
            ("信访、人民调解、矛盾纠纷排查调解工作", 45),
            ("禁毒工作", 15),
            ("防邪工作", 5),
            ("维稳工作", 13),
            ("政法其他工作", 16),
        ],
    ),
    (
        "精准扶贫帮扶工作",
        5,
        [
            ("安排部署帮扶工作情况", 8),
            ("是否对各级帮扶文件进行收集整理归档", 6),
            ("制定贫困村脱贫规划", 6),
            ("帮扶单位帮扶贫困村年度帮扶计划", 6),
            ("驻村工作队帮扶计划", 6),
            ("建档立卡贫困户帮扶计划清单", 6),
            ("帮办实事好事台账", 6),
            ("入户帮扶工作台账", 6),
            ("接访工作台账", 6),
            ("驻村帮扶工作队工作日志", 6),
            ("驻村帮扶工作队出勤情况", 6),
            ("上级督查整改落实台账", 6),
            ("帮扶干部、帮扶责任人联系贫困户花名册", 6),
            ("驻村帮扶工作队年出勤和休假计划", 6),
            ("发放连心卡与户主合影及其他各类开展帮扶工作的影像资料", 6),
            ("建档立卡贫困户帮扶计划清单是否发放到位并规范填写", 8),
        ],
    ),
    (
        "精准扶贫",
        15,
        [
            ("精准识别", 20),
            ("精准施策", 20),
            ("精准退出", 20),
            ("户内资料", 30),
            ("扶贫贷款", 5),
            ("信访", 5),
        ],
    ),
    (
        "农业经济",
        10,
        [
            ("富民产业", 50),
            ("惠农政策", 20),
            ("农业普查", 4),
            ("畜牧兽医", 9),
            ("农技农经", 4),
            ("农机", 2),
            ("土地管理", 6),
            ("沼气管理", 1),
            ("环保", 4),
        ],
    ),
    ("社会保险", 5, [("城乡居民基本医疗保险", 50), ("农村居民医疗保险", 40), ("计生工作", 10)]),
    (
        "民政工作",
        5,
        [
            ("社会救助", 55),
            ("救灾救济", 10),
            ("福利慈善和社会养老事业", 4),
            ("双拥工作", 5),
            ("救助工作", 5),
            ("统计报表", 8),
            ("信访", 8),
            ("项目建设", 5),
        ],
    ),
    (
        "安全生产",
        5,
        [
            ("安全生产监管职责落实情况", 30),
            ("安监室标准化建设情况", 20),
            ("落实村党支部交通安全全责", 10),
            ("落实村委交通安全第一责任", 10),
            ("劝导站点工作开展情况", 5),
            ("交管室标准化建设", 5),
            ("道路安全隐患排查", 5),
            ("开展交通安全“五进”活动", 5),
            ("农村道路维修养护", 10),
        ],
    ),
    (
        "村级财务",
        4,
        [
            ("固定资产登记", 15),
            ("财务、账务", 15),
            ("扶贫互助协会运行", 20),
            ("村集体经济收入", 30),
            ("党群创业资金", 20),
        ],
    ),
    ("林业管理", 1, [("护林员选聘", 20), ("护林员管理", 25), ("林地管理", 45), ("信息报送", 10)]),
    ("电子商务", 1, [("电商点的建设", 20), ("电子商务应用", 30), ("电商培训", 30), ("信息报送", 20)]),
    (
        "劳务输转",
        2,
        [
            ("城乡富余劳动力调查表", 5),
            ("外出务工人员花名册", 5),
            ("建档立卡贫困户外出务工花名册", 10),
            ("境外务工人员花名册", 5),
            ("常年整户外出务工花名册", 10),
            ("新庄镇在外优秀人才信息采集表", 5),
            ("登记回乡创业人员花名册", 5),
            ("是否在村、社发布张贴务工信息", 5),
            ("两后生摸底花名册", 5),
            ("精准扶贫劳动力培训摸底表", 10),
            ("2017年已培训人员花名册", 5),
            ("示范性培训花名册", 5),
            ("就业技能培训花名册", 5),
            ("创业培训花名册", 5),
            ("劳务品牌培训花名册", 5),
            ("建档立卡贫困户使用技术培训花名册", 5),
            ("培训证书是否发放到户", 5),
        ],
    ),
    ("食品药品安全", 2, [("会议落实", 40), ("人事管理", 20), ("信息报送", 40)]),
]

# The seed's parts add up to more than 100 in two categories (党建工作 100.5, 社会治安综合治理
# 104) while each category counts 100: kept as written and marked 封顶 (the 100 is a ceiling).
XZ_OVER_CAP = {"党建工作", "社会治安综合治理"}
XZ_RATERS = ["张晓岩", "苏虎林", "郑亚娜", "李建平", "杨志强", "张学红", "赵秉鸿"]
XZ_BALLOT_ITEM = "17"  # 党建工作: 民主测评（好、较好、一般、较差）5 分


def _xinzhuang_items() -> list[Row]:
    rows: list[Row] = []
    for name, _rater_max, contents in XZ_CATEGORIES:
        for content, points in contents:
            rows.append(
                item(len(rows) + 1, name, content, points, "对照考核内容现场查看资料、听取汇报，酌情评分", "听、查、评")
            )
    return rows


XINZHUANG: dict[str, Any] = {
    "settings": {
        "考核名称": "新庄镇2017年度党务政务工作目标管理综合考核",
        "年度": 2017,
        "满分": 1500,
        "加分上限": 0,
        "合格线": 600,
        "等次": "优秀>=900;良好>=800;合格>=600;不合格",
        "否决等次": "不合格",
        "差异阈值": 2,
        "步长": 0.5,
        "测评折算": "好=1;较好=0.8;一般=0.6;较差=0",
        "测评内容": "村“三委”班子整体工作",
        "截止日期": "2018年1月15日",
        "联系人": "镇考核办公室 郑亚娜",
        "联系电话": "0934-5500000",
    },
    "categories": [
        {"类别": name, "分值": 100, "封顶": "是" if name in XZ_OVER_CAP else None, "班子评分": rater_max}
        for name, rater_max, _ in XZ_CATEGORIES
    ],
    # No 自评 in this scheme: the 考核组 scores on site, the leaders rate, the meeting votes.
    "sources": [
        {"来源": "考核组", "表单": "考核组评分表", "权重": 0.9, "折算分制": 1000},
        {"来源": "班子评分", "表单": "评分表", "权重": 0.1, "折算分制": 1000, "评分人": "、".join(XZ_RATERS)},
        {"来源": "民主测评", "表单": "民主测评表", "计入条目": XZ_BALLOT_ITEM},
    ],
    "items": _xinzhuang_items(),
}

_XZ_VILLAGES = [
    ("新庄村", "xinzhuang"),
    ("塬上村", "yuanshang"),
    ("柳沟村", "liugou"),
    ("马家河村", "majiahe"),
    ("店子村", "dianzi"),
    ("王湾村", "wangwan"),
    ("高庄村", "gaozhuang"),
    ("杨咀村", "yangzui"),
]
XINZHUANG_UNITS: list[Row] = [
    {"编号": f"{n:02d}", "单位名称": name, "分组": "行政村", "邮箱": f"{mail}.cun@example.cn", "考核组": "镇考核组"}
    for n, (name, mail) in enumerate(_XZ_VILLAGES, start=1)
]

# =============================================================================== writers
_HEAD_FONT = Font(name="宋体", bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _table(ws: Any, headers: list[str], rows: list[Row], widths: dict[str, int] | None = None) -> None:
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    for c, header in enumerate(headers, start=1):
        cell = ws.cell(1, c)
        cell.font, cell.fill, cell.border = _HEAD_FONT, _HEAD_FILL, _BORDER
        ws.column_dimensions[get_column_letter(c)].width = (widths or {}).get(header, max(10, 2 * len(header) + 2))
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.alignment, cell.border = _WRAP, _BORDER
    ws.freeze_panes = "A2"


def write_rubric_xlsx(path: Path, sample: dict[str, Any], category_header: str = "类别", merge: bool = False) -> None:
    """The 细则 workbook: 条目, 类别, 设置 and (if any) 来源 sheets.

    ``category_header`` renames the category column (动力厂 uses the seed's 栏目);
    ``merge`` writes each category once and merges its cells, as the seed tables do.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "条目"
    used = {k for r in sample["items"] for k in r}
    headers = [category_header if h == "类别" else h for h in ITEM_COLUMNS if h != "取高组" or h in used]
    rows = [{(category_header if k == "类别" else k): v for k, v in r.items()} for r in sample["items"]]
    widths = {**WIDTHS, category_header: WIDTHS["类别"]}
    _table(ws, headers, rows, widths)
    if merge:
        col = headers.index(category_header) + 1
        start = 2
        for r in range(3, len(rows) + 3):
            if r == len(rows) + 2 or rows[r - 2][category_header] != rows[start - 2][category_header]:
                if r - 1 > start:
                    for blank in range(start + 1, r):
                        ws.cell(blank, col).value = None
                    ws.merge_cells(start_row=start, start_column=col, end_row=r - 1, end_column=col)
                start = r
    cs = wb.create_sheet("类别")
    cat_headers = list(dict.fromkeys(k for c in sample["categories"] for k in c))
    _table(cs, cat_headers, sample["categories"], {cat_headers[0]: 28})
    st = wb.create_sheet("设置")
    _table(st, ["项目", "值"], [{"项目": k, "值": v} for k, v in sample["settings"].items()], {"项目": 14, "值": 48})
    if sample["sources"]:
        ss = wb.create_sheet("来源")
        used = {k for r in sample["sources"] for k in r}
        headers = [h for h in ("来源", "表单", "权重", "折算分制", "评分人", "计入条目") if h in used]
        _table(ss, headers, sample["sources"], {"评分人": 60})
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def write_rubric_yaml(path: Path, sample: dict[str, Any]) -> None:
    """The YAML twin: the same keys as the workbook's sheets and headers."""
    data: dict[str, Any] = {
        "设置": sample["settings"],
        "类别": [{k: v for k, v in c.items() if v is not None} for c in sample["categories"]],
    }
    if sample["sources"]:
        data["来源"] = [{k: v for k, v in s.items() if v is not None} for s in sample["sources"]]
    data["条目"] = [{k: v for k, v in r.items() if v is not None} for r in sample["items"]]
    header = "# 南昌市县区2023年老干部工作目标管理考核细则 — YAML twin of 细则.xlsx (written by make_samples.py)\n"
    path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")


def write_units_xlsx(path: Path, units: list[Row]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位"
    _table(ws, ["编号", "单位名称", "分组", "邮箱", "考核组"], units, {"单位名称": 20, "邮箱": 52, "考核组": 14})
    # 编号 such as 01 must stay text: a number would lose its leading zero
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        cell.number_format = "@"
    wb.save(path)


def main() -> None:
    nanchang, dongli, xinzhuang = HERE / "南昌老干部", HERE / "动力厂党建", HERE / "新庄镇综合考核"
    write_rubric_xlsx(nanchang / "细则.xlsx", NANCHANG)
    write_rubric_yaml(nanchang / "细则.yaml", NANCHANG)
    write_units_xlsx(nanchang / "单位.xlsx", NANCHANG_UNITS)
    write_rubric_xlsx(dongli / "细则.xlsx", DONGLI, category_header="栏目", merge=True)
    write_units_xlsx(dongli / "单位.xlsx", DONGLI_UNITS)
    write_rubric_xlsx(xinzhuang / "细则.xlsx", XINZHUANG)
    write_units_xlsx(xinzhuang / "单位.xlsx", XINZHUANG_UNITS)
    for folder in (nanchang, dongli, xinzhuang):
        print(f"wrote {folder.relative_to(HERE)}: {', '.join(sorted(p.name for p in folder.iterdir()))}")


if __name__ == "__main__":
    main()
