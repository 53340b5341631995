"""What the 说明 sheet of each form asks of the person filling it, step by step."""

from __future__ import annotations

from kaohe_xl.forms.parts import step_note
from kaohe_xl.rubric.model import Rubric


def self_steps(rubric: Rubric) -> tuple[str, ...]:
    """The numbered steps of the 自评表 说明 sheet (step 3 states this rubric's 步长)."""
    return (
        "请在“自评表”工作表中黄色底色的单元格内填写“自评得分”和“自评说明（佐证材料）”，其他单元格已锁定。",
        "基础项目和加分项目填写所得分数（0 到本项分值之间）；扣分项目填写扣减的分数，为正数（例如扣 2 分填 2）；否决项目从下拉列表中选择“是”或“否”。",
        f"{step_note(rubric)}。填写错误的单元格会显示为红色。",
        "表中小计、基础分、加分、扣分和总分由公式自动计算，仅供参考，以考核组核定为准。",
        "请勿重命名、删除或增加工作表，请勿插入、删除行列，请勿修改考核内容和分值；不要把内容复制到新建的工作簿中再提交。",
        "填好后保存为 .xlsx 格式（不要另存为 .xls 或 .et），在截止日期前通过电子邮件发回；如需修改，重新发送即可，以最后一次为准。",
        "打印后由单位负责人签字，签字扫描件与佐证材料一并报送。",
    )


def assessor_steps(rubric: Rubric) -> tuple[str, ...]:
    """The numbered steps of the 考核组评分表 说明 sheet (step 5 states the 步长)."""
    return (
        "先在本页“评分人”一格填写您的姓名；同组多位评分人各填一份，分别发回，系统按姓名区分并取平均。",
        "每个被考核单位一张工作表。请在黄色底色的单元格内填写“考核得分”和“扣分原因”，其他单元格已锁定。",
        "“自评得分”一列是该单位已报送的自评分，仅供参考；空白表示生成本表时尚未收到自评表。",
        "基础项目和加分项目填写所得分数（0 到本项分值之间）；扣分项目填写扣减的分数，为正数；否决项目选择“是”或“否”。未得满分的项目请写明扣分原因。",
        f"{step_note(rubric)}。填写错误的单元格会显示为红色。",
        "表中小计和总分由公式自动计算，仅供参考；最终得分由汇总程序按细则重新计算。",
        "请勿重命名、删除或增加工作表，请勿插入、删除行列，请勿修改考核内容和分值。",
        "填好后保存为 .xlsx 格式，通过电子邮件发回；如需修改，重新发送即可，以最后一次为准。",
    )
