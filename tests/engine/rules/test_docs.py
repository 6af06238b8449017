"""docs/rules.md is generated from the rule engine's catalogue and is current."""

from __future__ import annotations

from engine.rules import registry
from engine.rules.docs import DOC_PATH, attribute_comments, generate, main, settings_table
from engine.rules.effects.writes import UpdateRecordsConfig
from engine.rules.recipients import Recipients


def test_committed_page_is_current() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == generate(), "run `python -m engine.rules.docs`"
    assert main(["--check"]) == 0


def test_every_trigger_effect_and_recipient_is_on_the_page() -> None:
    page = generate()
    catalogue = registry.catalogue()
    for item in catalogue["triggers"] + catalogue["effects"]:
        label = item["label"]
        assert f"### `{item['key']}` — {label['en']} / {label['zh-CN']}" in page
        assert item["description"]["zh-CN"] in page
    for name in Recipients.model_fields:
        assert f"| `{name}` |" in page
    for section in (
        "## Values",
        "## Message templates",
        "## Channels and deliveries",
        "## Chains, loops and the depth cap",
        "## Trying a rule: the dry run",
    ):
        assert section in page


def test_settings_are_described_by_their_comments() -> None:
    comments = attribute_comments(UpdateRecordsConfig)
    assert comments["records"].startswith("A link field of the triggering record")
    rows = settings_table(UpdateRecordsConfig)
    previous = next(row for row in rows if row.startswith("| `previous` |"))
    assert "| boolean | `false` |" in previous and "before the change" in previous
    entity = next(row for row in rows if row.startswith("| `entity` |"))
    assert "| required |" in entity
