"""The default three-level category taxonomy of citizen demands (诉求分类), as data.

Codes follow the GB/T 39666 pattern: two digits per level ("01", "0103", "010301"). The first-level names are the
usual Chinese government sectors; the lower levels are CityLoop's own. An administrator edits the taxonomy
afterwards; `taxonomy_load_default()` only ever adds what is missing, so re-running it never undoes an edit.
"""

from typing import NamedTuple

from django.db import transaction

from cityloop.tickets.models import Category


class CategorySpec(NamedTuple):
    code: str
    name: str
    name_en: str
    children: tuple["CategorySpec", ...] = ()


def _c(code: str, name: str, name_en: str, *children: CategorySpec) -> CategorySpec:
    return CategorySpec(code, name, name_en, children)


DEFAULT_TAXONOMY: tuple[CategorySpec, ...] = (
    _c("01", "城乡建设", "Urban and rural development",
       _c("0101", "市政设施", "Municipal facilities",
          _c("010101", "道路破损", "Damaged roads"),
          _c("010102", "井盖缺失破损", "Missing or broken manhole covers"),
          _c("010103", "路灯故障", "Street light faults"),
          _c("010104", "排水不畅", "Blocked drains")),
       _c("0102", "物业管理", "Property management",
          _c("010201", "物业服务", "Property services"),
          _c("010202", "电梯故障", "Lift faults"),
          _c("010203", "维修资金", "Maintenance funds"),
          _c("010204", "小区停车", "Parking in residential estates")),
       # Required by tickets.defaults: the 24-hour completion limit applies to this subtree.
       _c("0103", "公用事业", "Public utilities",
          _c("010301", "供水", "Water supply"),
          _c("010302", "供电", "Power supply"),
          _c("010303", "燃气", "Gas supply"),
          _c("010304", "供暖", "Heating"),
          _c("010305", "通信", "Telecommunications")),
       _c("0104", "住房保障与房屋管理", "Housing",
          _c("010401", "房屋质量", "Building quality"),
          _c("010402", "不动产登记", "Property registration"),
          _c("010403", "老旧小区改造", "Old-estate renovation"),
          _c("010404", "保障性住房", "Public housing")),
       _c("0105", "违法建设", "Illegal construction",
          _c("010501", "违章搭建", "Unauthorised structures"),
          _c("010502", "破坏房屋承重结构", "Damage to load-bearing structures"),
          _c("010503", "违规装修", "Irregular renovation")),
       _c("0106", "市容管理", "City appearance",
          _c("010601", "占道经营", "Street vending on roads"),
          _c("010602", "乱张贴小广告", "Illegal posters"),
          _c("010603", "户外广告", "Outdoor advertising"),
          _c("010604", "非机动车乱停放", "Disorderly bicycle parking"))),
    _c("02", "环境保护", "Environmental protection",
       _c("0201", "噪声污染", "Noise",
          _c("020101", "施工噪声", "Construction noise"),
          _c("020102", "社会生活噪声", "Neighbourhood noise"),
          _c("020103", "商业经营噪声", "Commercial noise"),
          _c("020104", "交通噪声", "Traffic noise")),
       _c("0202", "大气污染", "Air pollution",
          _c("020201", "餐饮油烟", "Restaurant fumes"),
          _c("020202", "工地扬尘", "Construction dust"),
          _c("020203", "露天焚烧", "Open burning"),
          _c("020204", "工业废气", "Industrial emissions")),
       _c("0203", "水污染", "Water pollution",
          _c("020301", "污水排放", "Sewage discharge"),
          _c("020302", "河湖水质", "River and lake water quality"),
          _c("020303", "饮用水源保护", "Drinking-water sources")),
       _c("0204", "环境卫生", "Sanitation",
          _c("020401", "垃圾清运", "Refuse collection"),
          _c("020402", "垃圾分类", "Waste sorting"),
          _c("020403", "建筑垃圾", "Construction waste"),
          _c("020404", "公厕管理", "Public toilets")),
       _c("0205", "园林绿化", "Parks and greenery",
          _c("020501", "树木修剪", "Tree pruning"),
          _c("020502", "绿地损毁", "Damaged green space"),
          _c("020503", "公园管理", "Park management"))),
    _c("03", "交通运输", "Transport",
       _c("0301", "公共交通", "Public transport",
          _c("030101", "公交线路", "Bus routes"),
          _c("030102", "公交服务", "Bus service"),
          _c("030103", "轨道交通", "Metro")),
       _c("0302", "出租车与网约车", "Taxis and ride-hailing",
          _c("030201", "出租车拒载绕路", "Taxi refusals and detours"),
          _c("030202", "网约车服务", "Ride-hailing service")),
       _c("0303", "道路交通管理", "Road traffic management",
          _c("030301", "交通信号灯", "Traffic lights"),
          _c("030302", "违法停车", "Illegal parking"),
          _c("030303", "交通拥堵", "Congestion")),
       _c("0304", "交通设施", "Traffic facilities",
          _c("030401", "标志标线", "Signs and road markings"),
          _c("030402", "施工围挡", "Road-works hoardings"),
          _c("030403", "公共停车场", "Public car parks"))),
    _c("04", "教育文体", "Education, culture and sport",
       _c("0401", "学前教育", "Pre-school education",
          _c("040101", "幼儿园入园", "Kindergarten admission"),
          _c("040102", "幼儿园收费", "Kindergarten fees")),
       _c("0402", "义务教育", "Compulsory education",
          _c("040201", "入学划片", "School catchment areas"),
          _c("040202", "课后服务", "After-school care"),
          _c("040203", "校园周边安全", "Safety around schools")),
       _c("0403", "校外培训", "Out-of-school tutoring",
          _c("040301", "违规培训", "Unlicensed tutoring"),
          _c("040302", "培训退费", "Tutoring refunds")),
       _c("0404", "文化体育", "Culture and sport",
          _c("040401", "体育健身设施", "Sports facilities"),
          _c("040402", "公共文化服务", "Libraries and cultural centres"),
          _c("040403", "文体活动", "Cultural and sports events"))),
    _c("05", "劳动和社会保障", "Labour and social security",
       _c("0501", "劳动关系", "Labour relations",
          _c("050101", "拖欠工资", "Unpaid wages"),
          _c("050102", "劳动合同", "Employment contracts"),
          _c("050103", "工伤认定", "Work-injury recognition")),
       _c("0502", "社会保险", "Social insurance",
          _c("050201", "养老保险", "Pension insurance"),
          _c("050202", "医疗保险", "Medical insurance"),
          _c("050203", "失业保险", "Unemployment insurance")),
       _c("0503", "就业创业", "Employment and start-ups",
          _c("050301", "就业服务", "Job services"),
          _c("050302", "职业技能培训", "Vocational training"),
          _c("050303", "创业扶持", "Start-up support")),
       _c("0504", "社会救助与养老", "Social assistance and elderly care",
          _c("050401", "最低生活保障", "Minimum living allowance"),
          _c("050402", "养老服务", "Elderly care services"),
          _c("050403", "残疾人帮扶", "Support for disabled people"))),
    _c("06", "商贸旅游", "Commerce and tourism",
       _c("0601", "消费维权", "Consumer rights",
          _c("060101", "商品质量", "Product quality"),
          _c("060102", "预付卡退费", "Prepaid-card refunds"),
          _c("060103", "虚假宣传", "False advertising")),
       _c("0602", "市场秩序", "Market order",
          _c("060201", "无证经营", "Unlicensed business"),
          _c("060202", "价格违法", "Price violations"),
          _c("060203", "计量器具", "Short weights and measures")),
       _c("0603", "食品安全", "Food safety",
          _c("060301", "餐饮卫生", "Restaurant hygiene"),
          _c("060302", "过期变质食品", "Expired or spoiled food"),
          _c("060303", "网络订餐", "Online food delivery")),
       _c("0604", "旅游服务", "Tourism",
          _c("060401", "景区管理", "Scenic-area management"),
          _c("060402", "旅行社服务", "Travel agencies"))),
    _c("07", "卫生计生", "Health and family planning",
       _c("0701", "医疗服务", "Medical services",
          _c("070101", "服务态度", "Staff attitude"),
          _c("070102", "医疗收费", "Medical charges"),
          _c("070103", "挂号就诊", "Appointments and waiting")),
       _c("0702", "公共卫生", "Public health",
          _c("070201", "疫苗接种", "Vaccination"),
          _c("070202", "病媒生物防制", "Pest control"),
          _c("070203", "传染病防控", "Infectious disease control")),
       _c("0703", "药品管理", "Medicines",
          _c("070301", "药店经营", "Pharmacies"),
          _c("070302", "药品价格", "Medicine prices")),
       _c("0704", "生育服务", "Maternity services",
          _c("070401", "生育登记", "Birth registration"),
          _c("070402", "母婴设施", "Mother-and-baby facilities"))),
    _c("08", "公安政法", "Public security and justice",
       _c("0801", "治安管理", "Public order",
          _c("080101", "治安隐患", "Public-order hazards"),
          _c("080102", "电信诈骗", "Telecom fraud"),
          _c("080103", "非法集资", "Illegal fund-raising")),
       _c("0802", "户籍证件", "Household registration and IDs",
          _c("080201", "户口迁移", "Household transfers"),
          _c("080202", "身份证办理", "ID cards"),
          _c("080203", "居住证", "Residence permits")),
       _c("0803", "消防安全", "Fire safety",
          _c("080301", "消防通道堵塞", "Blocked fire lanes"),
          _c("080302", "电动车违规充电", "Unsafe e-bike charging"),
          _c("080303", "消防设施损坏", "Damaged fire equipment"))),
    _c("09", "农业农村", "Agriculture and rural affairs",
       _c("0901", "农业生产", "Farming",
          _c("090101", "农资质量", "Farm-input quality"),
          _c("090102", "农业补贴", "Farm subsidies")),
       _c("0902", "土地管理", "Land",
          _c("090201", "征地拆迁", "Land acquisition and demolition"),
          _c("090202", "宅基地", "Rural homesteads")),
       _c("0903", "动物管理", "Animals",
          _c("090301", "流浪动物", "Stray animals"),
          _c("090302", "犬只管理", "Dog management"),
          _c("090303", "动物防疫", "Animal epidemic prevention"))),
    _c("10", "政务服务", "Government services",
       _c("1001", "办事服务", "Public services",
          _c("100101", "办事效率", "Processing efficiency"),
          _c("100102", "工作作风", "Conduct of officials"),
          _c("100103", "政策咨询", "Policy questions")),
       _c("1002", "表扬建议", "Praise and suggestions",
          _c("100201", "表扬感谢", "Praise and thanks"),
          _c("100202", "意见建议", "Suggestions for government"))),
)


def iter_taxonomy(nodes: tuple[CategorySpec, ...] = DEFAULT_TAXONOMY, level: int = 1,
                  parent_code: str | None = None) -> list[tuple[CategorySpec, int, str | None]]:
    """Every node with its level and its parent's code, parents before children."""
    rows: list[tuple[CategorySpec, int, str | None]] = []
    for node in nodes:
        rows.append((node, level, parent_code))
        rows.extend(iter_taxonomy(node.children, level + 1, node.code))
    return rows


def taxonomy_load_default() -> int:
    """Create the default categories that are missing (matched by code); returns how many were added."""
    with transaction.atomic():
        by_code = {c.code: c for c in Category.objects.only("pk", "code")}
        added = 0
        for level in (1, 2, 3):
            # One level at a time, so that every parent has its id before its children are inserted.
            new = [
                Category(code=spec.code, name=spec.name, name_en=spec.name_en, level=node_level,
                         parent=by_code[parent_code] if parent_code else None)
                for spec, node_level, parent_code in iter_taxonomy()
                if node_level == level and spec.code not in by_code
            ]
            for created in Category.objects.bulk_create(new):
                # Backends that return no ids from bulk inserts: fetch the row.
                by_code[created.code] = created if created.pk else Category.objects.get(code=created.code)
            added += len(new)
        if added:
            Category.rebuild_paths()
    return added
