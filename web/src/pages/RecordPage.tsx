import { EditOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Flex, Spin, Typography } from "antd";
import { useState } from "react";
import { useNavigate, useOutletContext, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { ActionResult, EntityDef, RecordAction } from "../api/types";
import { LoadError, NotFound } from "../components/LoadError";
import type { BarItem } from "../components/BottomBar";
import { RecordActions } from "../components/RecordActions";
import { findEntity } from "../definition";
import { useAppDefinition, useEntityAccess, type OpenApp } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { usePhone } from "../hooks/usePhone";
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
  const phone = usePhone();
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
  // The page's commands: beside the title on a desktop, in the bottom bar on a phone.
  const edit: BarItem[] = mayEdit
    ? [
        {
          key: "edit",
          label: t("recordEdit"),
          icon: <EditOutlined />,
          primary: true,
          testId: "edit-record",
          onClick: () => navigate(editPath(app, entity.key, record.id)),
        },
      ]
    : [];
  const quickAdds: BarItem[] = lists
    .filter((list) => list.quickAdd)
    .map((list) => ({
      key: `quick-add:${list.key}`,
      label:
        label(list.quickAddLabel ?? undefined, "") ||
        t("relatedNew", { entity: label(list.entity.label, list.entity.key) }),
      icon: <PlusOutlined />,
      testId: `quick-add-${list.entity.key}`,
      onClick: () => newRelated(list),
    }));
  const button = (item: BarItem) => (
    <Button
      key={item.key}
      type={item.primary ? "primary" : "default"}
      icon={item.icon}
      data-testid={item.testId}
      onClick={item.onClick}
    >
      {item.label}
    </Button>
  );
  return (
    <div className={phone ? "fw-record-page fw-has-bottom-bar" : "fw-record-page"}>
      <Flex justify="space-between" align="center" gap="middle" wrap className="fw-gap">
        <div className="fw-record-heading">
          <Typography.Text type="secondary">{label(entity.label, entity.key)}</Typography.Text>
          <Typography.Title level={4} className="fw-flush" data-testid="record-title">
            {String(title)}
          </Typography.Title>
        </div>
        {!phone && (
          <Flex gap="small" wrap className="fw-record-buttons">
            {quickAdds.map(button)}
            {edit.map(button)}
          </Flex>
        )}
      </Flex>
      {outcome && <ActionOutcome app={app} result={outcome.result} action={outcome.action} />}
      <RecordActions
        app={app}
        entity={entity}
        record={record}
        onDone={acted}
        // Logging a follow-up is what a rep does most on a phone: it comes first.
        bar={phone ? { leading: [...quickAdds, ...edit], trailing: [] } : undefined}
      />
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
