"""What the demo company sells (industrial IoT: hardware, software, services),
its price lists, the shapes of its deals, and the arithmetic of line items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from builder.demo_data.crm.story import Story

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    category: tuple[str, str]
    spec: str
    unit: str
    price: Decimal
    discontinued: bool = False


def _p(
    code: str,
    name: str,
    category: str,
    spec: str,
    unit: str,
    price: int,
    discontinued: bool = False,
) -> Product:
    top, sub = category.split("/")
    return Product(code, name, (top, sub), spec, unit, Decimal(price), discontinued)


PRODUCTS = (
    _p("HW-SEN-001", "温湿度传感器", "hardware/sensor", "TH-200", "unit", 680),
    _p("HW-SEN-002", "压力变送器", "hardware/sensor", "PT-500", "unit", 1850),
    _p("HW-SEN-003", "振动监测传感器", "hardware/sensor", "VB-30", "unit", 2400),
    _p("HW-SEN-004", "智能电表", "hardware/sensor", "EM-3", "unit", 1200),
    _p("HW-SEN-005", "温度传感器（旧款）", "hardware/sensor", "T-100", "unit", 420, True),
    _p("HW-CTL-001", "边缘控制器", "hardware/controller", "EC-100", "unit", 6800),
    _p("HW-CTL-002", "PLC控制模块", "hardware/controller", "PLC-16", "unit", 4500),
    _p("HW-CTL-003", "工业触摸屏", "hardware/controller", "HMI-10", "unit", 3200),
    _p("HW-GW-001", "工业物联网网关", "hardware/gateway", "GW-4G", "unit", 3600),
    _p("HW-GW-002", "5G边缘网关", "hardware/gateway", "GW-5G", "unit", 8800),
    _p("HW-GW-003", "LoRa集中器", "hardware/gateway", "LR-8", "unit", 2600),
    _p("SW-LIC-001", "设备管理平台（永久授权）", "software/license", "EAM 5.0", "set", 120000),
    _p("SW-LIC-002", "能耗管理系统（永久授权）", "software/license", "EMS 3.2", "set", 86000),
    _p("SW-LIC-003", "MES生产执行系统", "software/license", "MES 8.1", "set", 380000),
    _p("SW-LIC-004", "数据采集中间件", "software/license", "DAQ 2.0", "set", 45000),
    _p("SW-SUB-001", "云平台标准版（年）", "software/subscription", "Cloud STD", "year", 36000),
    _p("SW-SUB-002", "云平台企业版（年）", "software/subscription", "Cloud ENT", "year", 98000),
    _p("SW-SUB-003", "移动巡检App（年）", "software/subscription", "Inspect", "year", 12000),
    _p("SW-SUB-004", "数据分析模块（年）", "software/subscription", "Analytics", "year", 28000),
    _p("SV-IMP-001", "项目实施服务", "service/implementation", "", "person_day", 2500),
    _p("SV-IMP-002", "系统集成服务", "service/implementation", "", "item", 60000),
    _p("SV-IMP-003", "现场安装调试", "service/implementation", "", "person_day", 1800),
    _p("SV-TRN-001", "管理员培训", "service/training", "", "person_day", 3000),
    _p("SV-TRN-002", "操作员培训", "service/training", "", "person_day", 1500),
    _p("SV-MNT-001", "年度维保服务（标准）", "service/maintenance", "", "year", 18000),
    _p("SV-MNT-002", "年度维保服务（高级）", "service/maintenance", "", "year", 42000),
    _p("SV-MNT-003", "远程技术支持", "service/maintenance", "", "year", 8000),
)
PRODUCT = {p.code: p for p in PRODUCTS}
#: Deal shapes: (product code, lowest quantity, highest quantity) per line.
DEALS: tuple[tuple[tuple[str, int, int], ...], ...] = (
    (("HW-GW-001", 2, 20), ("HW-SEN-001", 20, 300), ("SW-SUB-001", 1, 3), ("SV-IMP-001", 5, 30)),
    (("SW-LIC-001", 1, 1), ("SV-IMP-001", 10, 60), ("SV-TRN-001", 2, 6), ("SV-MNT-001", 1, 1)),
    (("HW-CTL-001", 5, 50), ("HW-SEN-002", 20, 200), ("SV-IMP-003", 3, 15)),
    (("SW-SUB-002", 1, 3), ("SW-SUB-003", 1, 3), ("SV-MNT-003", 1, 1)),
    (("SW-LIC-003", 1, 1), ("SV-IMP-002", 1, 1), ("SV-IMP-001", 40, 120), ("SV-MNT-002", 1, 1)),
    (("SW-LIC-002", 1, 1), ("HW-SEN-004", 30, 400), ("HW-GW-003", 2, 12), ("SV-TRN-002", 2, 8)),
    (("HW-GW-002", 2, 10), ("HW-SEN-003", 10, 120), ("SW-SUB-004", 1, 2), ("SW-LIC-004", 1, 1)),
    (("HW-CTL-002", 10, 80), ("HW-CTL-003", 5, 40), ("SV-IMP-003", 5, 20), ("SV-TRN-002", 1, 4)),
)
PRICE_LISTS = (
    ("标准价目表", "standard", Decimal(1), Decimal("0.15")),
    ("大客户价目表", "key_account", Decimal("0.90"), Decimal("0.20")),
    ("经销商价目表", "distributor", Decimal("0.80"), Decimal("0.25")),
)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def line_subtotal(line: dict[str, Any]) -> Decimal:
    """What the template's ``subtotal`` formula computes for a line."""
    return money(Decimal(line["qty"]) * line["unit_price"] * (1 - line["discount"]))


def lines_total(lines: Sequence[dict[str, Any]]) -> Decimal:
    return sum((line_subtotal(line) for line in lines), Decimal(0))


def catalogue(story: Story) -> None:
    """The products and the three price lists, in place before the history starts."""
    at = story.moment(story.first_day - timedelta(days=30))
    for product in PRODUCTS:
        story.products[product.code] = story.add(
            "product",
            at,
            {
                "code": product.code,
                "name": product.name,
                "category": list(product.category),
                "spec": product.spec or None,
                "unit": product.unit,
                "list_price": product.price,
                "cost_price": money(product.price * Decimal("0.6")),
                "tax_rate": Decimal("0.06")
                if product.category[0] != "hardware"
                else Decimal("0.13"),
                "status": "discontinued" if product.discontinued else "on_sale",
                "description": f"<p>{product.name}，型号 {product.spec or '—'}。</p>",
            },
        )
    at = story.moment(story.first_day - timedelta(days=20))
    for name, channel, factor, max_discount in PRICE_LISTS:
        story.price_lists[channel] = story.add(
            "price_list",
            at,
            {
                "name": name,
                "channel": channel,
                "valid_from": story.first_day - timedelta(days=20),
                "is_active": True,
                "items": [
                    {
                        "product": story.products[p.code],
                        "price": money(p.price * factor),
                        "min_qty": 1 if p.category[0] != "hardware" else 10,
                        "max_discount": max_discount,
                    }
                    for p in PRODUCTS
                    if not p.discontinued
                ],
            },
        )
