import { Spin } from "antd";
import { useState } from "react";
import { useLocation, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api } from "../api/client";
import type { ActionResult, DisplayTitle, EntityDef, RecordAction, RecordData } from "../api/types";
import { LoadError, NotFound } from "../components/LoadError";
import { RecordActions } from "../components/RecordActions";
import { RecordForm } from "../components/RecordForm";
import { findEntity } from "../definition";
import { isRow } from "../fields/values";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useLoader } from "../hooks/useLoader";
import { ActionOutcome } from "../record/ActionOutcome";
import { recordPath } from "../record/paths";

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

/**
 * Values a new record starts with from the query string (`?customer=12`, a
 * record page's "new" of a related list): fields of the entity only; a
 * reference's id as a number.
 */
function queryPreset(entity: EntityDef, params: URLSearchParams): Record<string, unknown> {
  const preset: Record<string, unknown> = {};
  for (const field of entity.fields) {
    const text = params.get(field.key);
    if (text === null) continue;
    preset[field.key] = field.target && /^\d+$/.test(text) ? Number(text) : text;
  }
  return preset;
}

function titlesOf(value: unknown): Record<string, DisplayTitle> | undefined {
  if (!isRow(value)) return undefined;
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/** `/apps/:app/:entity/new` creates a record, `/apps/:app/:entity/:id/edit` edits one. */
export function RecordFormPage() {
  const { app = "", entity: entityKey = "", id } = useParams();
  const entity = findEntity(useAppDefinition(), entityKey);
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { state } = useLocation() as { state: unknown };
  const appPath = `/apps/${encodeURIComponent(app)}/`;
  const listPath = `${appPath}${encodeURIComponent(entityKey)}`;
  // Back to the page the form was opened from (only a page of this app), else the entity's list.
  const from = isRow(state) && typeof state.back === "string" ? state.back : "";
  const back = (fallback: string) => () => navigate(from.startsWith(appPath) ? from : fallback);
  // A record made from another record's page (a related list's "new", "log follow-up") goes back
  // there, where it now shows in the related list; one made from a list opens its own page,
  // replacing the form in the history so that "back" returns to the list.
  const fromRecord = from.startsWith(appPath) && /^\/apps\/[^/]+\/[^/]+\/\d+$/.test(from.split("?")[0]);
  const created = (saved: RecordData) => {
    if (fromRecord) navigate(from);
    else navigate(recordPath(app, entityKey, saved.id), { replace: true });
  };

  if (!entity) return <NotFound />;
  if (id === undefined) {
    const preset = queryPreset(entity, params);
    const titles = isRow(state) ? titlesOf(state.titles) : undefined;
    return (
      <RecordForm
        app={app}
        entity={entity}
        preset={preset}
        presetTitles={titles}
        onSaved={created}
        onCancel={back(listPath)}
      />
    );
  }
  const recordId = Number(id);
  if (!Number.isInteger(recordId)) return <NotFound />;
  const preset = isRow(state) && isRow(state.preset) ? state.preset : undefined;
  // Keyed by record: another record's page starts afresh (no outcome of the previous one's action).
  return (
    <EditRecord
      key={`${entity.key}/${recordId}`}
      app={app}
      entity={entity}
      id={recordId}
      preset={preset}
      onDone={back(recordPath(app, entity.key, recordId))}
    />
  );
}
