import { Alert, Space, Spin } from "antd";
import { useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { ActionResult, EntityDef, RecordAction } from "../api/types";
import { LoadError, NotFound } from "../components/LoadError";
import { RecordActions } from "../components/RecordActions";
import { RecordForm } from "../components/RecordForm";
import { findEntity } from "../definition";
import { isRow } from "../fields/values";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useLoader } from "../hooks/useLoader";
import { useI18n } from "../hooks/useI18n";

const recordPath = (app: string, entity: string, id: number) =>
  `/apps/${encodeURIComponent(app)}/${encodeURIComponent(entity)}/${id}`;

/** After a conversion: a link to each record it made (or found and reused). */
function ActionOutcome({ app, result, action }: { app: string; result: ActionResult; action: RecordAction }) {
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

interface EditProps {
  app: string;
  entity: EntityDef;
  id: number;
  preset?: Record<string, unknown>;
  onDone: () => void;
}

function EditRecord({ app, entity, id, preset, onDone }: EditProps) {
  const { data: record, error, reload } = useLoader(() => api.getRecord(app, entity.key, id), [app, entity.key, id]);
  const [outcome, setOutcome] = useState<{ result: ActionResult; action: RecordAction } | null>(null);
  if (error) return <LoadError error={error} />;
  if (!record || record.id !== id) return <Spin className="fw-center" />;
  const acted = (result: ActionResult, action: RecordAction) => {
    setOutcome({ result, action });
    reload();
  };
  // Keyed by version: a reload after a conflict or an action starts the form again from the stored values.
  return (
    <RecordForm
      key={record.version}
      app={app}
      entity={entity}
      record={record}
      preset={preset}
      onSaved={onDone}
      onConflict={reload}
      onCancel={onDone}
      extra={
        <>
          {outcome && <ActionOutcome app={app} result={outcome.result} action={outcome.action} />}
          <RecordActions app={app} entity={entity} record={record} onDone={acted} />
        </>
      }
    />
  );
}

/** `/apps/:app/:entity/new` creates a record, `/apps/:app/:entity/:id` edits one. */
export function RecordFormPage() {
  const { app = "", entity: entityKey = "", id } = useParams();
  const entity = findEntity(useAppDefinition(), entityKey);
  const navigate = useNavigate();
  const { state } = useLocation() as { state: unknown };
  const listPath = `/apps/${encodeURIComponent(app)}/${encodeURIComponent(entityKey)}`;
  // Back to the view the record was opened from (only a page of this entity), else the entity's list.
  const from = isRow(state) && typeof state.back === "string" ? state.back : "";
  const backToList = () => navigate(from.startsWith(`${listPath}?`) || from === listPath ? from : listPath);

  if (!entity) return <NotFound />;
  if (id === undefined) return <RecordForm app={app} entity={entity} onSaved={backToList} onCancel={backToList} />;
  const recordId = Number(id);
  if (!Number.isInteger(recordId)) return <NotFound />;
  const preset = isRow(state) && isRow(state.preset) ? state.preset : undefined;
  // Keyed by record: another record's page starts afresh (no outcome of the previous one's action).
  return (
    <EditRecord key={`${entity.key}/${recordId}`} app={app} entity={entity} id={recordId} preset={preset} onDone={backToList} />
  );
}
