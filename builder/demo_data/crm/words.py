"""Words the demo records are written with: sources, industries, what people say."""

from __future__ import annotations

from decimal import Decimal

from builder.demo_data.names import CITIES

SOURCES = (
    ("website", 22),
    ("trade_show", 14),
    ("referral", 12),
    ("online_ad", 16),
    ("wechat", 12),
    ("cold_call", 10),
    ("partner", 9),
    ("webinar", 5),
)
INDUSTRIES = (
    ("manufacturing", 30),
    ("retail", 8),
    ("software", 10),
    ("finance", 5),
    ("healthcare", 8),
    ("education", 5),
    ("logistics", 9),
    ("construction", 8),
    ("energy", 10),
    ("food", 7),
)
CITY_WEIGHTS = tuple(
    3 if c.area == "east" else 2 if c.area in ("north", "south") else 1 for c in CITIES
)
TOPICS = (
    "项目需求",
    "产品功能",
    "报价细节",
    "实施周期",
    "付款方式",
    "技术方案",
    "竞品对比",
    "预算安排",
    "试用反馈",
    "合同条款",
    "验收标准",
    "售后服务",
)
REACTIONS = {
    "positive": (
        "客户对方案整体认可，准备内部立项",
        "客户表示有兴趣，要求尽快提供报价",
        "对方领导参加并表示支持",
        "客户确认预算已批复",
    ),
    "neutral": (
        "需要和领导汇报后再答复",
        "约定下周再沟通",
        "要求补充同行业案例资料",
        "希望先提供试用账号",
    ),
    "negative": (
        "客户认为价格偏高",
        "暂无明确采购计划",
        "客户倾向竞品方案",
        "联系人已离职，需重新对接",
    ),
}
METHODS = (("call", 40), ("visit", 20), ("wechat", 20), ("email", 10), ("meeting", 10))
METHOD_WORDS = {
    "call": "电话沟通",
    "visit": "上门拜访",
    "wechat": "微信沟通",
    "email": "邮件沟通",
    "meeting": "会议交流",
}
INVALID_REASONS = (
    "空号或无法接通",
    "同行咨询，非真实需求",
    "重复线索",
    "个人用户，非目标客户",
    "无采购需求",
)
LEAD_NEEDS = ("计划今年采购", "正在做方案调研", "希望了解报价", "现有系统需要升级")
DEAL_NAMES = (
    "设备联网项目",
    "数字化工厂项目",
    "能耗管理项目",
    "平台订阅",
    "运维服务",
    "产线改造项目",
)
DEAL_PLANS = ("计划分期实施", "本年度预算内采购", "需要与现有ERP集成", "先做试点再推广")
QUOTE_TERMS = "报价含税（增值税专用发票），有效期30天；交货期：合同签订后30天内。"
LEAD_TAGS = ("展会名单", "高意向", "老客户推荐", "官网注册", "需要报价", "预算明确")
CUSTOMER_TAGS = ("重点跟进", "上市公司", "国企", "外资", "老客户", "有扩容计划")
COMPETITORS = ("智联云", "工控通", "数维科技", "云启工业", "恒远软件", "联创物联")
LOST_REASONS = (
    ("price", 30),
    ("competitor", 30),
    ("no_budget", 15),
    ("no_decision", 15),
    ("product_fit", 7),
    ("other", 3),
)
SPLITS = (
    (Decimal(1),),
    (Decimal("0.5"), Decimal("0.5")),
    (Decimal("0.3"), Decimal("0.6"), Decimal("0.1")),
    (Decimal("0.3"), Decimal("0.4"), Decimal("0.3")),
)
BANKS = ("中国工商银行", "中国建设银行", "招商银行", "中国银行", "浦发银行", "兴业银行")
TICKET_PROBLEMS = {
    "installation": ("设备安装位置需调整", "网关无法接入现场网络", "新产线设备接入调试"),
    "fault": ("传感器数据中断", "网关频繁掉线", "平台告警未推送", "控制器死机重启"),
    "consultation": ("报表导出格式咨询", "如何新增巡检路线", "账号权限设置咨询"),
    "complaint": ("现场服务响应慢", "交付延期"),
    "return": ("到货设备外观破损需更换", "型号发错需退换"),
}


DIRECT_SOURCES = (
    ("referral", 3), ("trade_show", 2), ("partner", 2), ("website", 1), ("cold_call", 1),
)  # fmt: skip
