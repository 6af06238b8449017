"""Every action type of the definition model has one registered class, and only those."""

from __future__ import annotations

import typing

import pytest

from engine.actions import action_types
from engine.actions.registry import BUILTINS
from engine.definition import ActionDef


def test_each_type_of_the_model_is_registered_once() -> None:
    union = typing.get_args(typing.get_args(ActionDef)[0])
    model_types = {typing.get_args(cls.model_fields["type"].annotation)[0] for cls in union}
    assert model_types == set(action_types) == {cls.key for cls in BUILTINS}
    for key, action_type in action_types.items():
        assert action_type.Config in union
        assert typing.get_args(action_type.Config.model_fields["type"].annotation) == (key,)
        assert set(action_type.label) == {"zh-CN", "en"}


def test_registering_a_type_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        action_types.register("claim", action_types.get("claim"))
