import {
  BoldOutlined,
  ItalicOutlined,
  OrderedListOutlined,
  UnderlineOutlined,
  UnorderedListOutlined,
} from "@ant-design/icons";
import { Button, Space, Tooltip } from "antd";
import { useEffect, useRef, type ReactNode } from "react";
import { useI18n } from "../hooks/useI18n";
import type { MessageKey } from "../i18n";
import { htmlText, sanitizeHtml } from "./html";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asString } from "./values";

interface Command {
  command: string;
  icon: ReactNode;
  title: MessageKey;
}

const COMMANDS: Command[] = [
  { command: "bold", icon: <BoldOutlined />, title: "bold" },
  { command: "italic", icon: <ItalicOutlined />, title: "italic" },
  { command: "underline", icon: <UnderlineOutlined />, title: "underline" },
  { command: "insertUnorderedList", icon: <UnorderedListOutlined />, title: "bulletList" },
  { command: "insertOrderedList", icon: <OrderedListOutlined />, title: "numberedList" },
];

/**
 * A contentEditable box with a few formatting buttons; its value is HTML.
 * The browser's editing commands (execCommand) are deprecated but still the
 * one dependency-free way to format a selection in every browser. Pasting
 * inserts plain text, so no foreign markup gets in; the server sanitises
 * what is stored either way.
 */
function RichTextInput({ value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { t } = useI18n();
  const editor = useRef<HTMLDivElement>(null);
  // The HTML this editor last reported: a value equal to it is already on screen (the caret stays put).
  const reported = useRef<string | null>(null);
  const html = asString(value) ?? "";

  useEffect(() => {
    if (editor.current && html !== (reported.current ?? "")) {
      editor.current.innerHTML = sanitizeHtml(html);
      reported.current = html;
    }
  }, [html]);

  const report = () => {
    const current = editor.current?.innerHTML ?? "";
    const blank = htmlText(current) === "";
    reported.current = blank ? "" : current;
    onChange?.(blank ? null : current);
  };
  const run = (command: string) => {
    editor.current?.focus();
    document.execCommand(command);
    report();
  };

  return (
    <div className="fw-richtext">
      <Space size={2} className="fw-richtext-toolbar">
        {COMMANDS.map(({ command, icon, title }) => (
          <Tooltip key={command} title={t(title)}>
            <Button
              size="small"
              type="text"
              icon={icon}
              aria-label={t(title)}
              disabled={disabled}
              // Keep the selection in the editor: a button press would otherwise take the focus first.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => run(command)}
            />
          </Tooltip>
        ))}
      </Space>
      <div
        id={id}
        {...aria}
        // After the spread: the form passes its own ref along with the aria props, and this one must win.
        ref={editor}
        role="textbox"
        aria-multiline="true"
        aria-disabled={disabled || undefined}
        contentEditable={!disabled}
        suppressContentEditableWarning
        className="fw-richtext-body"
        onInput={report}
        onPaste={(event) => {
          event.preventDefault();
          document.execCommand("insertText", false, event.clipboardData.getData("text/plain"));
        }}
      />
    </div>
  );
}

export const richtext: FieldRenderer = {
  Input: RichTextInput,
  display: (value) => {
    const html = asString(value);
    return html ? <div className="fw-richtext-view" dangerouslySetInnerHTML={{ __html: sanitizeHtml(html) }} /> : "";
  },
  /** One line of text where a table cell shows it. */
  summary: (value) => htmlText(asString(value) ?? ""),
};
