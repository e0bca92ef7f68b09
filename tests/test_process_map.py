"""Process maps: validation, layered layout and the kiosk SVG drawing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from domain.process_map import Edge, InvalidProcessMap, Node, Placement, layout, validate
from domain.process_map_svg import KIOSK, PHONE, SvgStep, UnknownStep, render_svg, wrap

SVG = "{http://www.w3.org/2000/svg}"


def nodes(*keys: str) -> list[Node]:
    return [Node(key=key, name=f"环节{key}") for key in keys]


def edges(*pairs: str) -> list[Edge]:
    """Edges written as "a>b"."""
    return [Edge(source=pair.split(">")[0], target=pair.split(">")[1]) for pair in pairs]


def by_key(placements: list[Placement]) -> dict[str, Placement]:
    return {placement.key: placement for placement in placements}


def parallel_approval() -> tuple[list[SvgStep], list[Edge]]:
    steps = [
        SvgStep("accept", "统一受理", "综合窗口受理员", 1, "政务服务中心"),
        SvgStep("plan", "规划许可审查", "规划股经办人", 3, "自然资源局"),
        SvgStep("eia", "环境影响评价文件技术审查与现场核实", "环评股经办人", 5, "生态环境分局"),
        SvgStep("fire", "消防设计审查", "消防审查员", 4, "住建局"),
        SvgStep("reply", "集中回复", "综合窗口受理员", 1, "政务服务中心"),
    ]
    return steps, edges("accept>plan", "accept>eia", "accept>fire", "plan>reply", "eia>reply", "fire>reply")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def step_groups(root: ET.Element) -> dict[str, ET.Element]:
    return {
        group.attrib["data-key"]: group
        for group in root.iter(f"{SVG}g")
        if "step" in group.attrib.get("class", "").split()
    }


def texts(group: ET.Element) -> list[str]:
    return [text.text or "" for text in group.iter(f"{SVG}text")]


def test_a_line_of_steps_is_valid_and_starts_at_its_first_step() -> None:
    assert validate(nodes("a", "b", "c"), edges("a>b", "b>c")) == "a"


def test_a_fork_that_joins_again_is_valid() -> None:
    assert validate(nodes("s", "x", "y", "j"), edges("s>x", "s>y", "x>j", "y>j")) == "s"


@pytest.mark.parametrize(
    ("keys", "links", "message"),
    [
        (("a", "b", "c"), ("a>b", "b>c", "c>b"), "流程图存在环路，涉及环节：b、c"),
        (("a", "b"), ("a>b", "b>a"), "流程图没有起始环节（存在环路）"),
        (("a", "b", "c"), ("a>c", "b>c"), "流程图只能有一个起始环节，现有：a、b"),
        # A step nothing leads to is a second start; one reached only from a loop is in that loop.
        (("a", "b", "lost"), ("a>b",), "现有：a、lost"),
        (("a", "b", "x", "y"), ("a>b", "x>y", "y>x"), "流程图存在环路，涉及环节：x、y"),
        (("a", "b"), ("a>b", "b>z"), "连线指向不存在的环节：z"),
        (("a", "b", "a"), ("a>b",), "环节编号重复：a"),
        (("a", "b"), ("a>a", "a>b"), "环节不能连向自身：a"),
        ((), (), "流程图至少需要一个环节"),
    ],
)
def test_invalid_maps_are_refused_with_the_problem_named(
    keys: tuple[str, ...], links: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InvalidProcessMap) as refused:
        validate(nodes(*keys), edges(*links))
    assert message in refused.value.message
    assert refused.value.code == "INVALID_PROCESS_MAP"


def test_parallel_branches_share_a_layer_in_different_lanes() -> None:
    placed = by_key(layout(nodes("s", "x", "y", "z", "j"), edges("s>x", "s>y", "s>z", "x>j", "y>j", "z>j")))
    assert [placed[key].layer for key in ("x", "y", "z")] == [1, 1, 1]
    assert [placed[key].lane for key in ("x", "y", "z")] == [0, 1, 2]


def test_join_comes_after_the_longest_branch() -> None:
    placed = by_key(
        layout(
            nodes("s", "short", "long1", "long2", "j"),
            edges("s>short", "s>long1", "long1>long2", "short>j", "long2>j"),
        )
    )
    assert placed["short"].layer == placed["long1"].layer == 1
    assert placed["long2"].layer == 2
    assert placed["j"].layer == 3


def test_layout_lists_every_step_by_layer_then_lane_with_lanes_counted_from_zero() -> None:
    placements = layout(nodes("s", "a", "b", "c", "d", "e"), edges("s>a", "s>b", "a>c", "a>d", "b>e", "s>e"))
    assert sorted(placement.key for placement in placements) == ["a", "b", "c", "d", "e", "s"]
    assert placements == sorted(placements, key=lambda placement: (placement.layer, placement.lane))
    for layer in {placement.layer for placement in placements}:
        lanes = [placement.lane for placement in placements if placement.layer == layer]
        assert lanes == list(range(len(lanes)))


def test_every_edge_of_a_long_map_points_to_a_later_layer() -> None:
    # 18 steps like a public-resource-trading map, with some steps that may be skipped.
    keys = [f"s{index}" for index in range(18)]
    links = [Edge(keys[index], keys[index + 1]) for index in range(17)]
    links += [Edge(keys[index], keys[index + 3]) for index in range(0, 15, 4)]
    placed = by_key(layout(nodes(*keys), links))
    assert all(placed[link.target].layer > placed[link.source].layer for link in links)
    assert [placed[key].layer for key in keys] == list(range(18))


def test_layout_uncrosses_branches_listed_in_the_wrong_order() -> None:
    placed = by_key(
        layout(nodes("s", "a", "b", "under_b", "under_a"), edges("s>a", "s>b", "a>under_a", "b>under_b"))
    )
    assert (placed["a"].lane, placed["b"].lane) == (0, 1)
    assert (placed["under_a"].lane, placed["under_b"].lane) == (0, 1)


def test_layout_refuses_an_invalid_map() -> None:
    with pytest.raises(InvalidProcessMap):
        layout(nodes("a", "b"), edges("a>b", "b>a"))


def test_svg_is_well_formed_and_titled_for_screen_readers() -> None:
    steps, links = parallel_approval()
    root = parse(render_svg("工程建设项目并联审批", steps, links))
    assert root.tag == f"{SVG}svg"
    assert root.attrib["viewBox"] == f"0 0 {root.attrib['width']} {root.attrib['height']}"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "工程建设项目并联审批"
    assert "Noto Sans CJK SC" in root.attrib["font-family"]


def test_svg_shows_every_step_with_its_post_and_limit() -> None:
    steps, links = parallel_approval()
    groups = step_groups(parse(render_svg("并联审批", steps, links)))
    assert set(groups) == {step.key for step in steps}
    for step in steps:
        group = groups[step.key]
        assert group.findtext(f"{SVG}title") == step.name
        # post and limit share a line when it is wide enough, else take one each
        shown = " · ".join(texts(group)[-2:])
        assert f"{step.post} · {step.limit_days}个工作日" in {texts(group)[-1], shown}
    # The long name wraps over two lines, cut by character count, with nothing lost.
    eia = texts(groups["eia"])
    assert "".join(eia[1:3]) == "环境影响评价文件技术审查与现场核实"


def test_svg_draws_one_arrow_per_edge() -> None:
    steps, links = parallel_approval()
    root = parse(render_svg("并联审批", steps, links))
    arrows = [path for path in root.iter(f"{SVG}path") if path.attrib.get("class") == "edge"]
    assert len(arrows) == len(links)
    assert all(path.attrib["marker-end"] == "url(#arrow)" for path in arrows)
    assert {(path.attrib["data-source"], path.attrib["data-target"]) for path in arrows} == {
        (link.source, link.target) for link in links
    }
    assert root.find(f"{SVG}defs/{SVG}marker[@id='arrow']") is not None


def test_svg_tints_and_names_the_other_departments_of_a_parallel_approval() -> None:
    steps, links = parallel_approval()
    groups = step_groups(parse(render_svg("并联审批", steps, links)))

    def fill(key: str) -> str:
        rect = groups[key].find(f"{SVG}rect")
        assert rect is not None
        return rect.attrib["fill"]

    assert fill("accept") == fill("reply")
    assert len({fill("accept"), fill("plan"), fill("eia"), fill("fire")}) == 4
    assert texts(groups["plan"])[0] == "自然资源局"
    assert not any("政务服务中心" in text for text in texts(groups["accept"]))


def test_svg_marks_the_current_step_and_adds_it_to_the_legend() -> None:
    steps, links = parallel_approval()
    root = parse(render_svg("并联审批", steps, links, current="fire"))
    groups = step_groups(root)
    assert groups["fire"].attrib["class"] == "step current"
    assert groups["fire"].findtext(f"{SVG}title") == "当前环节：消防设计审查"
    assert groups["plan"].attrib["class"] == "step"
    legend = root.find(f".//{SVG}g[@class='legend']")
    assert legend is not None and "当前环节" in texts(legend)
    assert root.findtext(f"{SVG}desc") == "权力运行流程图，共5个环节，当前环节：消防设计审查"


def test_svg_refuses_a_current_step_the_map_does_not_have() -> None:
    steps, links = parallel_approval()
    with pytest.raises(UnknownStep) as refused:
        render_svg("并联审批", steps, links, current="nope")
    assert refused.value.code == "UNKNOWN_STEP"
    assert "nope" in refused.value.message


def chain(count: int) -> tuple[list[SvgStep], list[Edge]]:
    steps = [SvgStep(f"s{index}", f"第{index}个环节", "经办人", 1, "交易中心") for index in range(count)]
    return steps, [Edge(f"s{index}", f"s{index + 1}") for index in range(count - 1)]


def test_a_short_map_stays_in_one_column_and_a_long_one_wraps_on_a_kiosk_but_not_on_a_phone() -> None:
    short = parse(render_svg("短", *chain(4), frame=KIOSK))
    long = parse(render_svg("长", *chain(18), frame=KIOSK))
    phone = parse(render_svg("长", *chain(18), frame=PHONE))

    def columns(root: ET.Element) -> int:
        return len({next(group.iter(f"{SVG}rect")).attrib["x"] for group in step_groups(root).values()})

    assert (columns(short), columns(long), columns(phone)) == (1, 3, 1)
    assert int(long.attrib["width"]) <= KIOSK.width
    assert int(phone.attrib["width"]) <= PHONE.width


def test_an_edge_between_columns_becomes_a_pair_of_numbered_connectors() -> None:
    steps, links = chain(18)
    root = parse(render_svg("长", steps, links))
    connectors = [group for group in root.iter(f"{SVG}g") if "connector" in group.attrib.get("class", "")]
    assert sorted((group.attrib["data-number"], group.attrib["class"]) for group in connectors) == [
        ("1", "connector"),
        ("1", "connector inlet"),
        ("2", "connector"),
        ("2", "connector inlet"),
    ]
    continued = [path for path in root.iter(f"{SVG}path") if path.attrib.get("class") == "edge continued"]
    assert {(path.attrib["data-source"], path.attrib["data-target"]) for path in continued} == {
        ("s5", "s6"),
        ("s11", "s12"),
    }


def test_svg_escapes_names_that_look_like_markup() -> None:
    steps = [
        SvgStep("a<", "受理 <&> 审查", 'post"x', 1, "局<1>"),
        SvgStep("b", "审批", "局长", 2, "局&2"),
    ]
    svg = render_svg("标题 <script>", steps, [Edge("a<", "b")])
    assert "&lt;&amp;&gt;" in svg
    assert "<script>" not in svg
    root = parse(svg)
    groups = step_groups(root)
    assert groups["a<"].findtext(f"{SVG}title") == "受理 <&> 审查"
    assert root.findtext(f"{SVG}title") == "标题 <script>"
    assert "局&2" in texts(groups["b"])


def test_edge_that_skips_a_layer_goes_around_the_step_in_between() -> None:
    steps = [SvgStep(key, f"环节{key}", "经办人", 1, "民政局") for key in ("a", "b", "c")]
    root = parse(render_svg("跳过", steps, edges("a>b", "b>c", "a>c")))
    middle = step_groups(root)["b"].find(f"{SVG}rect")
    assert middle is not None
    left = int(middle.attrib["x"])
    right = left + int(middle.attrib["width"])
    skip = next(
        path
        for path in root.iter(f"{SVG}path")
        if path.attrib.get("data-target") == "c" and path.attrib["data-source"] == "a"
    )
    straight = re.search(r"L(-?\d+),", skip.attrib["d"])
    assert straight is not None
    assert not left <= int(straight.group(1)) <= right


def test_svg_refuses_an_invalid_map() -> None:
    with pytest.raises(InvalidProcessMap):
        render_svg("错", [SvgStep("a", "受理", "窗口", 1, "局")], edges("a>b"))


def test_wrap_breaks_chinese_by_character_count_and_marks_what_does_not_fit() -> None:
    assert wrap("一二三四五六七", width=4, lines=2) == ["一二三四", "五六七"]
    assert wrap("一二三四五六七八九十", width=4, lines=2) == ["一二三四", "五六七…"]
    assert wrap("审批ABCD", width=4, lines=1) == ["审批AB…"]


def test_names_with_line_breaks_and_control_characters_still_give_well_formed_svg() -> None:
    steps = [SvgStep("a", "受理\n登记\x07", "窗口\t人员", 1, "局"), SvgStep("b", "审批", "局长", 1, "局")]
    groups = step_groups(parse(render_svg("标题\x00", steps, [Edge("a", "b")])))
    assert groups["a"].findtext(f"{SVG}title") == "受理 登记"
    assert "窗口 人员 · 1个工作日" in texts(groups["a"])


def test_all_text_is_at_least_16_units_so_it_reads_at_16px_at_the_frames_width() -> None:
    steps, links = parallel_approval()
    root = parse(render_svg("并联审批", steps, links, current="fire"))
    assert min(int(text.attrib["font-size"]) for text in root.iter(f"{SVG}text")) >= 16
