"""Chinese names for demo data, composed from word lists with a seeded generator.

Nothing here is a real company or person: names are built from common
surnames, given-name characters, brand syllables and industry words, the
way Chinese companies are actually named (city + brand + trade + legal
form, e.g. 杭州恒盛精密机械有限公司). Pinyin comes along so that e-mail
addresses and web sites look right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

#: Common surnames with pinyin, the most frequent first (picked with falling weights).
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
    ("袁", "yuan"), ("潘", "pan"), ("蒋", "jiang"), ("蔡", "cai"), ("余", "yu"),
    ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("苏", "su"), ("魏", "wei"),
    ("吕", "lv"), ("丁", "ding"), ("沈", "shen"), ("姚", "yao"), ("钟", "zhong"),
    ("陆", "lu"), ("汪", "wang"), ("金", "jin"), ("范", "fan"), ("方", "fang"),
)  # fmt: skip
_SURNAME_WEIGHTS = tuple(1.0 / (i + 4) for i in range(len(SURNAMES)))

GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
    ("刚", "gang"), ("平", "ping"), ("辉", "hui"), ("鹏", "peng"), ("华", "hua"),
    ("飞", "fei"), ("鑫", "xin"), ("波", "bo"), ("斌", "bin"), ("宇", "yu"),
    ("浩", "hao"), ("凯", "kai"), ("健", "jian"), ("俊", "jun"), ("帆", "fan"),
    ("博", "bo"), ("文", "wen"), ("志", "zhi"), ("建", "jian"), ("国", "guo"),
)  # fmt: skip
GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("艳", "yan"), ("娟", "juan"), ("霞", "xia"), ("婷", "ting"), ("雪", "xue"),
    ("慧", "hui"), ("莹", "ying"), ("琳", "lin"), ("倩", "qian"), ("悦", "yue"),
    ("欣", "xin"), ("颖", "ying"), ("佳", "jia"), ("晶", "jing"), ("蕾", "lei"),
    ("萍", "ping"), ("红", "hong"), ("玲", "ling"), ("燕", "yan"), ("雯", "wen"),
)  # fmt: skip

#: Brand syllables: two of them make a trade name (恒盛, 华信, 鑫源…).
BRAND: tuple[tuple[str, str], ...] = (
    ("恒", "heng"), ("盛", "sheng"), ("华", "hua"), ("信", "xin"), ("达", "da"),
    ("鑫", "xin"), ("源", "yuan"), ("宏", "hong"), ("泰", "tai"), ("瑞", "rui"),
    ("丰", "feng"), ("安", "an"), ("康", "kang"), ("辰", "chen"), ("远", "yuan"),
    ("博", "bo"), ("创", "chuang"), ("联", "lian"), ("新", "xin"), ("海", "hai"),
    ("天", "tian"), ("中", "zhong"), ("金", "jin"), ("正", "zheng"), ("德", "de"),
    ("嘉", "jia"), ("和", "he"), ("通", "tong"), ("汇", "hui"), ("腾", "teng"),
    ("凯", "kai"), ("隆", "long"), ("昌", "chang"), ("佳", "jia"), ("瀚", "han"),
    ("宇", "yu"), ("智", "zhi"), ("启", "qi"), ("航", "hang"), ("永", "yong"),
)  # fmt: skip

#: Trade words per industry option of the CRM template.
TRADES: dict[str, tuple[tuple[str, str], ...]] = {
    "manufacturing": (
        ("精密机械", "machinery"), ("电子科技", "electronics"), ("智能装备", "equipment"),
        ("新材料", "materials"), ("汽车零部件", "autoparts"), ("机电设备", "mech"),
    ),
    "retail": (("商贸", "trading"), ("连锁超市", "mart"), ("百货", "store"), ("电子商务", "shop")),
    "software": (
        ("信息技术", "it"), ("网络科技", "net"), ("软件", "soft"), ("数据科技", "data"),
        ("智能科技", "ai"),
    ),
    "finance": (("融资租赁", "leasing"), ("投资管理", "capital"), ("保险代理", "insurance")),
    "healthcare": (("医疗器械", "medical"), ("生物科技", "bio"), ("医药", "pharma")),
    "education": (("教育科技", "edu"), ("职业技能培训", "training"), ("文化传播", "culture")),
    "logistics": (("物流", "logistics"), ("供应链管理", "scm"), ("国际货运代理", "freight")),
    "construction": (("建设工程", "build"), ("建筑设计", "design"), ("装饰工程", "deco")),
    "energy": (("新能源", "energy"), ("化工", "chem"), ("环保科技", "eco")),
    "food": (("食品", "food"), ("饮料", "drinks"), ("农业发展", "agri")),
}  # fmt: skip

LEGAL_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "集团有限公司")


@dataclass(frozen=True)
class City:
    name: str
    province: str
    area: str
    districts: tuple[str, ...]
    #: Three-digit or four-digit landline area code, with the leading 0.
    phone_code: str
    lat: float
    lng: float


#: Cities by the sales areas of the CRM template: name, province, area, phone
#: area code, latitude, longitude and a few districts.
_CITY_TABLE = """
上海 上海市 east 021 31.23 121.47 浦东新区 闵行区 徐汇区 嘉定区
杭州 浙江省 east 0571 30.27 120.16 西湖区 滨江区 余杭区 萧山区
苏州 江苏省 east 0512 31.30 120.58 工业园区 吴中区 相城区 昆山市
南京 江苏省 east 025 32.06 118.80 江宁区 鼓楼区 建邺区 浦口区
宁波 浙江省 east 0574 29.87 121.54 鄞州区 北仑区 慈溪市 余姚市
合肥 安徽省 east 0551 31.82 117.23 蜀山区 包河区 高新区 肥西县
北京 北京市 north 010 39.90 116.40 海淀区 朝阳区 丰台区 亦庄开发区
天津 天津市 north 022 39.13 117.20 滨海新区 西青区 南开区 武清区
济南 山东省 north 0531 36.65 117.12 历下区 槐荫区 章丘区 高新区
青岛 山东省 north 0532 36.07 120.38 黄岛区 崂山区 城阳区 即墨区
石家庄 河北省 north 0311 38.04 114.51 长安区 裕华区 桥西区 正定县
广州 广东省 south 020 23.13 113.26 天河区 番禺区 白云区 黄埔区
深圳 广东省 south 0755 22.54 114.06 南山区 宝安区 龙岗区 福田区
东莞 广东省 south 0769 23.02 113.75 松山湖 长安镇 虎门镇 南城街道
佛山 广东省 south 0757 23.02 113.12 顺德区 南海区 禅城区 三水区
厦门 福建省 south 0592 24.48 118.09 思明区 湖里区 集美区 海沧区
武汉 湖北省 central 027 30.59 114.31 洪山区 江汉区 东西湖区 汉阳区
长沙 湖南省 central 0731 28.23 112.94 岳麓区 雨花区 开福区 长沙县
郑州 河南省 central 0371 34.75 113.63 金水区 郑东新区 中原区 二七区
成都 四川省 southwest 028 30.57 104.07 高新区 武侯区 锦江区 双流区
重庆 重庆市 southwest 023 29.56 106.55 渝北区 江北区 九龙坡区 沙坪坝区
昆明 云南省 southwest 0871 25.04 102.71 五华区 官渡区 盘龙区 呈贡区
西安 陕西省 northwest 029 34.34 108.94 雁塔区 未央区 长安区 高新区
兰州 甘肃省 northwest 0931 36.06 103.83 城关区 七里河区 安宁区 西固区
沈阳 辽宁省 northeast 024 41.80 123.43 浑南区 和平区 铁西区 沈河区
大连 辽宁省 northeast 0411 38.91 121.61 甘井子区 中山区 金州区 沙河口区
长春 吉林省 northeast 0431 43.82 125.32 朝阳区 南关区 净月区 绿园区
"""


def _city(line: str) -> City:
    name, province, area, code, lat, lng, *districts = line.split()
    return City(name, province, area, tuple(districts), code, float(lat), float(lng))


CITIES: tuple[City, ...] = tuple(_city(line) for line in _CITY_TABLE.strip().splitlines())

ROADS = (
    "人民路", "解放路", "建设路", "中山路", "科技路", "创业大道", "工业园路", "高新大道",
    "长江路", "黄河路", "新华路", "和平路", "文化路", "湖滨路", "滨江大道", "东方路",
)  # fmt: skip
MOBILE_PREFIXES = ("138", "139", "135", "136", "137", "150", "151", "152", "158", "159",
                   "186", "187", "188", "133", "153", "180", "189", "131", "132", "155",
                   "156", "185", "177", "199")  # fmt: skip
JOB_TITLES = (
    "总经理", "副总经理", "采购经理", "采购主管", "技术总监", "IT经理", "财务经理",
    "运营总监", "生产经理", "行政主管", "项目经理", "工程师", "董事长", "市场经理",
)  # fmt: skip
DEPARTMENTS = ("采购部", "技术部", "财务部", "总经办", "生产部", "信息中心", "运营部", "市场部")


@dataclass(frozen=True)
class PersonName:
    name: str
    pinyin: str
    gender: str


@dataclass(frozen=True)
class Company:
    name: str
    short_name: str
    domain: str
    city: City


class NameMaker:
    """Names, phones and addresses drawn from one seeded ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._companies: set[str] = set()

    def person(self) -> PersonName:
        surname, surname_py = self.rng.choices(SURNAMES, _SURNAME_WEIGHTS)[0]
        gender = self.rng.choice(("male", "female"))
        chars = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
        picked = self.rng.sample(chars, self.rng.choice((1, 2, 2)))
        given = "".join(c for c, _ in picked)
        given_py = "".join(p for _, p in picked)
        return PersonName(surname + given, f"{given_py}.{surname_py}", gender)

    def company(self, industry: str, city: City | None = None) -> Company:
        """A company name not handed out before by this maker (bounded retries)."""
        for _ in range(1000):
            where = city or self.rng.choice(CITIES)
            (a, a_py), (b, b_py) = self.rng.sample(BRAND, 2)
            trade, trade_py = self.rng.choice(TRADES[industry])
            name = f"{where.name}{a}{b}{trade}{self.rng.choice(LEGAL_FORMS)}"
            if name not in self._companies:
                self._companies.add(name)
                tld = self.rng.choice(("com", "com.cn", "cn"))
                return Company(name, f"{a}{b}{trade}", f"{a_py}{b_py}-{trade_py}.{tld}", where)
        raise RuntimeError("ran out of distinct company names")

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def landline(self, city: City) -> str:
        digits = 8 if len(city.phone_code) == 3 else 7
        return f"{city.phone_code}-{self.rng.randrange(2 * 10 ** (digits - 1), 10**digits)}"

    def address(self, city: City) -> dict[str, str]:
        rng = self.rng
        detail = f"{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        if rng.random() < 0.5:
            detail += f"{rng.randint(1, 30)}栋{rng.randint(1, 25)}{rng.randint(1, 20):02d}室"
        return {
            "province": city.province,
            "city": city.name if city.name.endswith("市") else city.name + "市",
            "district": self.rng.choice(city.districts),
            "detail": detail,
        }

    def location(self, city: City, address: str) -> dict[str, object]:
        return {
            "lat": round(city.lat + self.rng.uniform(-0.15, 0.15), 5),
            "lng": round(city.lng + self.rng.uniform(-0.15, 0.15), 5),
            "address": address,
        }

    def credit_code(self) -> str:
        """A unified social credit code of the right shape (the check digit is not computed)."""
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        region = f"{self.rng.randint(110000, 659000):06d}"
        body = "".join(self.rng.choice(alphabet) for _ in range(10))
        return "91" + region + body
