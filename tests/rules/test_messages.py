"""The fast message path must render exactly what the sandboxed Jinja template renders."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from ke_rules import builtin_rulesets, load_ruleset
from ke_rules.rules.messages import compile_message

ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
RULESETS = {name: load_ruleset(name) for name in builtin_rulesets()}
RULES = [(name, rule_id) for name, rs in RULESETS.items() for rule_id in rs.rules]
values = st.one_of(st.text(max_size=12), st.integers(-5, 400), st.booleans(), st.just("–"),
                   st.floats(allow_nan=False, allow_infinity=False))


@pytest.mark.parametrize(("ruleset", "rule_id"), RULES)
@pytest.mark.parametrize("lang", ["nb", "en"])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_fast_path_renders_what_jinja_renders(ruleset, rule_id, lang, data):
    rs = RULESETS[ruleset]
    rule = rs.rules[rule_id]
    message = rule.templates[lang]
    assert message.fast, f"{rule_id}.{lang} fell back to Jinja; the fast path should cover built-in messages"
    context = {f: data.draw(values) for f in sorted(rule.template_fields)}
    context.update(params=rs.params, subject_id=data.draw(st.text(max_size=8)), as_of="23.11.2026")
    assert message.render(context) == ENV.from_string(message.source).render(context)


@pytest.mark.parametrize(("source", "fast"), [
    ("Sak {{ case_id }} har {{ n }} møter; grensen er {{ params.limit }}.", True),
    ("{% if not sent %}ingen{% else %}sendt {{ when }}{% endif %} for {{ case_id }}", True),
    ("{% if sent %}ja{% endif %}", True),
    ("{{ case_id | upper }}", False),
    ("{{ n + 1 }}", False),
    ("{% if a %}x{% elif b %}y{% endif %}", False),
    ("{% for c in cases %}{{ c }},{% endfor %}", False),
    ("{{ params.items }}", False),
])
def test_which_templates_take_the_fast_path_and_all_render_alike(source, fast):
    message = compile_message(ENV, source)
    assert message.fast is fast
    context = {"case_id": "s-1", "n": 3, "params": {"limit": 5, "items": 1}, "sent": False, "when": "01.02.2026",
               "a": False, "b": True, "cases": ["S-1", "S-2"]}
    assert message.render(context) == ENV.from_string(source).render(context)


def test_a_sandboxed_template_still_refuses_unsafe_attribute_access():
    message = compile_message(ENV, "{{ case_id.__class__.__mro__ }}")
    assert not message.fast
    with pytest.raises(Exception, match="unsafe|not safely|attribute"):
        message.render({"case_id": "x"})


def _rows(columns: dict, n: int) -> list[dict]:
    return [{k: c[j] for k, c in columns.items()} for j in range(n)]


column_values = st.one_of(st.text(max_size=6), st.integers(-5, 400), st.booleans(), st.none(), st.just("–"),
                          st.just(""), st.just(0))


@pytest.mark.parametrize(("ruleset", "rule_id"), RULES)
@pytest.mark.parametrize("lang", ["nb", "en"])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_rendering_a_column_of_rows_equals_rendering_each_row(ruleset, rule_id, lang, data):
    rs = RULESETS[ruleset]
    message = rs.rules[rule_id].templates[lang]
    n = data.draw(st.integers(0, 6))
    names = sorted(rs.rules[rule_id].template_fields) + ["subject_id"]
    columns = {f: data.draw(st.lists(column_values, min_size=n, max_size=n)) for f in names}
    constants = {"params": rs.params, "as_of": "23.11.2026"}
    want = [message.render({**constants, **row}) for row in _rows(columns, n)]
    assert message.render_rows(columns, constants, n) == want
    assert want == [ENV.from_string(message.source).render({**constants, **row}) for row in _rows(columns, n)]


@pytest.mark.parametrize("source", [
    "Sak {{ case_id }} har {{ n }} møter; grensen er {{ params.limit }}.",
    "{% if not sent %}ingen{% else %}sendt {{ when }}{% endif %} for {{ case_id }}",
    "{% if sent %}ja {% if n %}{{ n }}{% else %}null{% endif %}{% endif %}",
    "{% if a %}{{ when }}{% else %}{{ case_id }}{% endif %}{{ n }}{% if not a %}!{% endif %}",
    "fast tekst",
    "{{ case_id }}",
    "{{ case_id | upper }} {{ n }}",  # Jinja, row by row
])
@given(data=st.data())
@settings(max_examples=40, deadline=None)
def test_render_rows_for_branches_constants_and_jinja(source, data):
    message = compile_message(ENV, source)
    n = data.draw(st.integers(0, 8))
    names = ["case_id", "n", "sent", "when", "a"]
    in_columns = data.draw(st.sets(st.sampled_from(names)))
    columns = {f: data.draw(st.lists(column_values, min_size=n, max_size=n)) for f in sorted(in_columns)}
    constants = {f: data.draw(column_values) for f in names if f not in in_columns}
    constants["params"] = {"limit": 5}
    want = [ENV.from_string(source).render({**constants, **row}) for row in _rows(columns, n)]
    assert message.render_rows(columns, constants, n) == want
