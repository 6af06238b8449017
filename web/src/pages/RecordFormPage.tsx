import { Spin } from "antd";
import { useNavigate, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { EntityDef } from "../api/types";
import { LoadError, NotFound } from "../components/LoadError";
import { RecordForm } from "../components/RecordForm";
import { findEntity } from "../definition";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useLoader } from "../hooks/useLoader";

function EditRecord({ app, entity, id, onDone }: { app: string; entity: EntityDef; id: number; onDone: () => void }) {
  const { data: record, error, reload } = useLoader(() => api.getRecord(app, entity.key, id), [app, entity.key, id]);
  if (error) return <LoadError error={error} />;
  if (!record || record.id !== id) return <Spin className="fw-center" />;
  // Keyed by version: a reload after a conflict starts the form again from the stored values.
  return (
    <RecordForm
      key={record.version}
      app={app}
      entity={entity}
      record={record}
      onSaved={onDone}
      onConflict={reload}
      onCancel={onDone}
    />
  );
}

/** `/apps/:app/:entity/new` creates a record, `/apps/:app/:entity/:id` edits one. */
export function RecordFormPage() {
  const { app = "", entity: entityKey = "", id } = useParams();
  const entity = findEntity(useAppDefinition(), entityKey);
  const navigate = useNavigate();
  const backToList = () => navigate(`/apps/${encodeURIComponent(app)}/${encodeURIComponent(entityKey)}`);

  if (!entity) return <NotFound />;
  if (id === undefined) return <RecordForm app={app} entity={entity} onSaved={backToList} onCancel={backToList} />;
  const recordId = Number(id);
  if (!Number.isInteger(recordId)) return <NotFound />;
  return <EditRecord app={app} entity={entity} id={recordId} onDone={backToList} />;
}
