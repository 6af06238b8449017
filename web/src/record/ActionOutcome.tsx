/** After an action that made records (a conversion): a link to each record it made or found and reused. */
import { Alert, Space } from "antd";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import type { ActionResult, RecordAction } from "../api/types";
import { findEntity, titleField } from "../definition";
import { asString } from "../fields/values";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { recordPath } from "./paths";

/** A link to a record the action made, named by its title once read ("open" until then, or if unreadable). */
function MadeRecordLink({ app, entity, id, testId }: { app: string; entity: string; id: number; testId: string }) {
  const definition = useAppDefinition();
  const { t } = useI18n();
  const { data } = useLoader(() => api.getRecord(app, entity, id), [app, entity, id]);
  const key = titleField(definition, entity);
  const title = data && key ? asString(data[key]) : "";
  return (
    <Link to={recordPath(app, entity, id)} data-testid={testId}>
      {title || t("open")}
    </Link>
  );
}

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
          <MadeRecordLink app={app} entity={entity} id={id} testId={`${prefix}-${step}`} />
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
