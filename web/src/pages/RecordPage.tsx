import { EditOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Flex, Spin, Typography } from "antd";
import { useState } from "react";
import { useNavigate, useOutletContext, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { ActionResult, EntityDef, RecordAction } from "../api/types";
import { LoadError, NotFound } from "../components/LoadError";
import { RecordActions } from "../components/RecordActions";
import { findEntity } from "../definition";
import { useAppDefinition, useEntityAccess, type OpenApp } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { ActionOutcome } from "../record/ActionOutcome";
import { HistoryTimeline } from "../record/HistoryTimeline";
import { RecordFields } from "../record/RecordFields";
import { RelatedLists, useNewRelated } from "../record/RelatedLists";
import { relatedLists } from "../record/related";
import { editPath } from "../record/paths";

function ViewRecord({ app, entity, id }: { app: string; entity: EntityDef; id: number }) {
  const definition = useAppDefinition();
  const { access } = useOutletContext<OpenApp>();
  const rights = useEntityAccess(entity.key);
  const { t, label } = useI18n();
  const navigate = useNavigate();
  const { data: record, error, reload } = useLoader(() => api.getRecord(app, entity.key, id), [app, entity.key, id]);
  const [outcome, setOutcome] = useState<{ result: ActionResult; action: RecordAction } | null>(null);
  const lists = relatedLists(definition, entity, access);
  const newRelated = useNewRelated(app, entity, record ?? { id, version: 0 });
  if (error) return <LoadError error={error} />;
  if (!record || record.id !== id) return <Spin className="fw-center" />;
  const acted = (result: ActionResult, action: RecordAction) => {
    setOutcome({ result, action });
    reload();
  };
  const titleKey = entity.title_field;
  const title = (titleKey && typeof record[titleKey] === "string" && record[titleKey]) || `#${record.id}`;
  const mayEdit = !!rights.update && record._access?.update !== false;
  return (
    <div className="fw-record-page">
      <Flex justify="space-between" align="center" gap="middle" wrap className="fw-gap">
        <div>
          <Typography.Text type="secondary">{label(entity.label, entity.key)}</Typography.Text>
          <Typography.Title level={4} className="fw-flush" data-testid="record-title">
            {String(title)}
          </Typography.Title>
        </div>
        <Flex gap="small" wrap className="fw-record-buttons">
          {lists
            .filter((list) => list.quickAdd)
            .map((list) => (
              <Button
                key={list.key}
                icon={<PlusOutlined />}
                data-testid={`quick-add-${list.entity.key}`}
                onClick={() => newRelated(list)}
              >
                {label(list.quickAddLabel ?? undefined, "") ||
                  t("relatedNew", { entity: label(list.entity.label, list.entity.key) })}
              </Button>
            ))}
          {mayEdit && (
            <Button
              type="primary"
              icon={<EditOutlined />}
              data-testid="edit-record"
              onClick={() => navigate(editPath(app, entity.key, record.id))}
            >
              {t("recordEdit")}
            </Button>
          )}
        </Flex>
      </Flex>
      {outcome && <ActionOutcome app={app} result={outcome.result} action={outcome.action} />}
      <RecordActions app={app} entity={entity} record={record} onDone={acted} />
      <RecordFields app={app} entity={entity} record={record} access={rights} />
      <RelatedLists app={app} host={entity} record={record} lists={lists} />
      <HistoryTimeline app={app} entity={entity} id={record.id} version={record.version} />
    </div>
  );
}

/** `/apps/:app/:entity/:id`: the record in view mode, its related lists and its history. */
export function RecordPage() {
  const { app = "", entity: entityKey = "", id = "" } = useParams();
  const entity = findEntity(useAppDefinition(), entityKey);
  const recordId = Number(id);
  if (!entity || !Number.isInteger(recordId)) return <NotFound />;
  // Keyed by record: another record's page starts afresh (no outcome of the previous one's action).
  return <ViewRecord key={`${entity.key}/${recordId}`} app={app} entity={entity} id={recordId} />;
}
