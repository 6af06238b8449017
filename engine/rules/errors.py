"""What a rule that fails answers: the rule, the effect and why, as problem+json."""

from __future__ import annotations

from typing import Any

from engine.definition import Label
from engine.errors import TITLES, DomainError
from engine.expressions.errors import ExpressionError
from engine.i18n import Message


class RuleFailed(DomainError):
    """A rule's condition or effect failed, so the write that triggered it did not happen.

    The status is the cause's (422 for a value an effect could not write,
    409 for a loop stopped at the depth cap); the problem names the rule and
    the effect, and carries the cause's own ``errors`` and members.
    """

    #: The class's own answer when the cause names none (a plain exception).
    status = 422
    title = TITLES[422]

    def __init__(
        self,
        app: str,
        rule: str,
        effect: int | None,
        effect_type: str | None,
        cause: BaseException,
        *,
        label: Label | None = None,
    ) -> None:
        reason = cause.problem_detail() if isinstance(cause, DomainError) else str(cause)
        if isinstance(cause, ExpressionError) and cause.position is None:
            reason = cause.message  # a Message: the reader's language at the API
        # The designer's name for the rule where it has one ("“大单审批”"), its key else.
        named = Message("rule.named", label=label) if label else repr(rule)
        if effect is not None:
            super().__init__(
                Message(
                    "rule.failed_effect",
                    rule=named,
                    effect=effect,
                    effect_type=effect_type,
                    reason=reason,
                )
            )
        else:
            super().__init__(Message("rule.failed_condition", rule=named, reason=reason))
        self.app = app
        self.rule = rule
        self.effect = effect
        self.effect_type = effect_type
        self.cause = cause
        self.status = cause.status if isinstance(cause, DomainError) else 422
        self.title = TITLES.get(self.status, "Error")

    def problem_errors(self) -> list[dict[str, Any]] | None:
        if isinstance(self.cause, DomainError):
            return self.cause.problem_errors()
        return None

    def problem_members(self) -> dict[str, Any]:
        members = self.cause.problem_members() if isinstance(self.cause, DomainError) else {}
        return {
            **members,
            "rule": self.rule,
            "effect": self.effect,
            "effect_type": self.effect_type,
        }


class RuleInvalid(DomainError):
    """A rule (or a part of one) given to check or try that does not pass the
    publish-time checks (422); ``issues`` are ``(JSON path, message)``."""

    status = 422
    title = TITLES[422]

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        super().__init__("\n".join(f"{path}: {message}" for path, message in issues))
        self.issues = issues

    def problem_detail(self) -> str:
        return Message("rule.invalid")

    def problem_errors(self) -> list[dict[str, Any]]:
        return [{"field": path, "message": message} for path, message in self.issues]


__all__ = ["RuleFailed", "RuleInvalid"]
