/** After an action that made records (a conversion): a link to each record it made or found and reused. */
import { Alert, Space } from "antd";
import { Link } from "react-router-dom";
import type { ActionResult, RecordAction } from "../api/types";
import { findEntity } from "../definition";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { recordPath } from "./paths";

export function ActionOutcome({ app, result, action }: { app: string; result: ActionResult; action: RecordAction }) {
  const definition = useAppDefinition();
  const { t, label } = useI18n();
  const entityOf = (step: string) => action.steps?.find((candidate) => candidate.key === step)?.entity;
  const links = (made: Record<string, number> | undefined, text: "createdRecord" | "reusedRecord", prefix: string) =>
    Object.entries(made ?? {}).flatMap(([step, id]) => {
      const entity = entityOf(step);
      if (!entity) return [];
      const name = label(findEntity(definition, entity)?.label, entity);
      return [
        <span key={`${prefix}-${step}`}>
          {t(text, { entity: name })} —{" "}
          <Link to={recordPath(app, entity, id)} data-testid={`${prefix}-${step}`}>
            {t("open")}
          </Link>
        </span>,
      ];
    });
  const items = [...links(result.created, "createdRecord", "created"), ...links(result.reused, "reusedRecord", "reused")];
  if (!items.length) return null;
  return (
    <Alert
      type="success"
      showIcon
      closable
      className="fw-gap"
      data-testid="action-outcome"
      title={label(action.label, action.key)}
      description={<Space orientation="vertical">{items}</Space>}
    />
  );
}
