import { CheckCircleOutlined, CloseCircleOutlined, LoadingOutlined } from "@ant-design/icons";
import { Flex, Input, Tag, Typography } from "antd";
import type { TextAreaRef } from "antd/es/input/TextArea";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { rulesApi, type ConditionCheck, type TriggerDef } from "../../api/rules";
import { useI18n } from "../../hooks/useI18n";
import { accept, inString, suggestions, wordAt, type Suggestion } from "./completion";
import { useRuleDesign } from "./context";

/** Typing pauses shorter than this do not ask the server to check the condition. */
export const CHECK_DELAY_MS = 300;

interface ConditionEditorProps {
  app: string;
  entity: string;
  trigger: TriggerDef;
  value: string;
  onChange: (next: string) => void;
  id: string;
  testId?: string;
}

/**
 * A condition in the expression language: checked live by the server (after
 * each pause in typing; a newer check aborts the one in flight), with
 * completion of the names the server says it may use and of the functions.
 */
export function ConditionEditor({ app, entity, trigger, value, onChange, id, testId = "condition" }: ConditionEditorProps) {
  const { t } = useI18n();
  const { functions } = useRuleDesign();
  const [check, setCheck] = useState<ConditionCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const [names, setNames] = useState<string[]>([]);
  const [cursor, setCursor] = useState(0);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const area = useRef<TextAreaRef>(null);
  const triggerKey = trigger.on;

  useEffect(() => {
    if (!entity) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      setChecking(true);
      rulesApi.check(app, { entity, expression: value, trigger: triggerKey || undefined }, controller.signal).then(
        (answer) => {
          if (controller.signal.aborted) return;
          setCheck(answer);
          setNames(answer.names ?? []);
          setChecking(false);
        },
        () => {
          if (!controller.signal.aborted) setChecking(false);
        },
      );
    }, CHECK_DELAY_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
    // The trigger matters through its kind (old.* names exist on updates only).
  }, [app, entity, value, triggerKey]);

  const word = wordAt(value, cursor);
  const offered: Suggestion[] = open && !inString(value, cursor) ? suggestions(word.text, names, functions) : [];

  const take = (suggestion: Suggestion) => {
    const next = accept(value, word, suggestion);
    onChange(next.text);
    setCursor(next.cursor);
    setActive(0);
    window.requestAnimationFrame(() => {
      const element = area.current?.resizableTextArea?.textArea;
      element?.focus();
      element?.setSelectionRange(next.cursor, next.cursor);
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (!offered.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((current) => (current + step + offered.length) % offered.length);
    } else if (event.key === "Tab" || event.key === "Enter") {
      event.preventDefault();
      take(offered[Math.min(active, offered.length - 1)]);
    } else if (event.key === "Escape") {
      setOpen(false);
    }
  };

  const empty = !value.trim();
  const state = checking ? "checking" : empty || !check ? "none" : check.ok ? "ok" : "error";
  return (
    <Flex vertical gap={4}>
      <Input.TextArea
        id={id}
        ref={area}
        data-testid={`${testId}-input`}
        className="fw-code"
        autoSize={{ minRows: 2, maxRows: 8 }}
        spellCheck={false}
        placeholder={t("conditionPlaceholder")}
        value={value}
        status={state === "error" ? "error" : undefined}
        onChange={(event) => {
          onChange(event.target.value);
          setCursor(event.target.selectionStart);
          setOpen(true);
          setActive(0);
        }}
        onSelect={(event) => setCursor(event.currentTarget.selectionStart)}
        onKeyDown={onKeyDown}
        onBlur={() => window.setTimeout(() => setOpen(false), 150)}
      />
      {offered.length > 0 && (
        <div className="fw-suggestions" role="listbox" data-testid={`${testId}-suggestions`}>
          {offered.map((suggestion, index) => (
            <div
              key={`${suggestion.kind}-${suggestion.shown}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? "fw-suggestion fw-suggestion-active" : "fw-suggestion"}
              data-testid={`${testId}-suggestion-${suggestion.shown}`}
              // Before the textarea's blur, so the click still finds the list.
              onMouseDown={(event) => {
                event.preventDefault();
                take(suggestion);
              }}
            >
              <Tag color={suggestion.kind === "function" ? "purple" : "blue"}>
                {suggestion.kind === "function" ? t("functionKind") : t("fieldKind")}
              </Tag>
              <Typography.Text code>{suggestion.shown}</Typography.Text>
              {suggestion.detail && <Typography.Text type="secondary"> {suggestion.detail}</Typography.Text>}
            </div>
          ))}
        </div>
      )}
      <div data-testid={`${testId}-check`} data-state={state}>
        {state === "checking" && (
          <Typography.Text type="secondary">
            <LoadingOutlined /> {t("checking")}
          </Typography.Text>
        )}
        {state === "ok" && (
          <Typography.Text type="success">
            <CheckCircleOutlined /> {t("conditionOk")}
          </Typography.Text>
        )}
        {state === "error" && check && (
          <Typography.Text type="danger">
            <CloseCircleOutlined /> {check.message}
            {check.position != null && ` (${t("atPosition", { n: check.position + 1 })})`}
          </Typography.Text>
        )}
      </div>
    </Flex>
  );
}
