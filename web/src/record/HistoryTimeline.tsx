/** The record's history as people read it: who did what when, fields by label, values as shown. */
import { Card, Empty, Timeline, Typography } from "antd";
import dayjs from "dayjs";
import type { ReactNode } from "react";
import type { EntityDef, Label } from "../api/types";
import { LoadError } from "../components/LoadError";
import { cellValue } from "../fields/registry";
import { isEmpty } from "../fields/values";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { recordHistory, type HistoryChange } from "./api";

function isLabel(value: unknown): value is Label {
  return typeof value === "string" || (typeof value === "object" && value !== null && !Array.isArray(value));
}

interface Props {
  app: string;
  entity: EntityDef;
  id: number;
  /** Changes when the record does: the history is read again. */
  version: number;
}

export function HistoryTimeline({ app, entity, id, version }: Props) {
  const definition = useAppDefinition();
  const { t, label } = useI18n();
  const { data, error } = useLoader(() => recordHistory(app, entity.key, id), [app, entity.key, id, version]);

  const shown = (change: HistoryChange, value: unknown, display: unknown): ReactNode => {
    if (isEmpty(value)) return t("historyEmptyValue");
    if (display !== undefined && display !== null) {
      const one = (item: unknown) => (isLabel(item) ? label(item, "") : String(item));
      return Array.isArray(display) ? display.map(one).join(", ") : one(display);
    }
    const field = entity.fields.find((candidate) => candidate.key === change.field);
    if (!field) return typeof value === "string" ? value : JSON.stringify(value);
    // One line per value (a sub-table as its row count): a timeline, not the record.
    return cellValue(field, value, { t, label, definition });
  };

  if (error) return <LoadError error={error} />;
  const entries = [...(data ?? [])].reverse(); // newest first
  return (
    <Card size="small" title={t("history")} className="fw-gap" data-testid="record-history">
      {data && !entries.length && <Empty description={t("historyEmpty")} />}
      <Timeline
        items={entries.map((entry, index) => ({
          key: index,
          content: (
            <div data-testid="history-entry">
              <Typography.Text strong data-testid="history-title">
                {label(entry.title, entry.action)}
              </Typography.Text>{" "}
              <Typography.Text type="secondary">
                {entry.user ?? t("historyBySystem")}
                {/* What wrote it besides the user: "孙销售 · 由规则「首次跟进」". Its own
                    span, so on a phone the line wraps between the parts, not inside them. */}
                {entry.via_label ? (
                  <>
                    {" · "}
                    <span className="fw-history-via" data-testid="history-via">
                      {entry.via_label}
                    </span>
                  </>
                ) : null}{" "}
                <span className="fw-history-at">· {dayjs(entry.at).format("YYYY-MM-DD HH:mm")}</span>
              </Typography.Text>
              {entry.changes
                .filter((change) => entry.action !== "create" || !isEmpty(change.to))
                .map((change) => (
                <div key={change.field} data-testid={`history-change-${change.field}`}>
                  {label(change.label, change.field)}:{" "}
                  {entry.action === "create" ? null : <>{shown(change, change.from, change.from_display)} → </>}
                  {shown(change, change.to, change.to_display)}
                </div>
                ))}
            </div>
          ),
        }))}
      />
    </Card>
  );
}
