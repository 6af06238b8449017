import { DeleteOutlined, SaveOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Flex, Input, Popover, Select } from "antd";
import { useState } from "react";
import { ApiError } from "../api/client";
import { useI18n } from "../hooks/useI18n";
import { useLoader } from "../hooks/useLoader";
import { listApi, type SavedView, type SavedViewDefinition } from "./api";

/**
 * The user's own saved views of this list: pick one, save the current list as
 * one, delete one. Which one is picked is the page's (it lives in the URL).
 */
export function SavedViewsMenu({
  app,
  entity,
  current,
  picked: requested,
  onPick,
  onSaved,
}: {
  app: string;
  entity: string;
  current: () => SavedViewDefinition;
  /** The id of the view the list started from; one the user does not have (a shared link) shows as none. */
  picked?: number;
  onPick: (view: SavedView | undefined) => void;
  /** The current list was saved as `view`. */
  onSaved: (view: SavedView) => void;
}) {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const { data, reload } = useLoader(() => listApi.savedViews(app, entity), [app, entity]);
  const [name, setName] = useState("");
  const [saving, setSaving] = useState(false);
  const views = data?.items ?? [];
  const picked = views.some((view) => view.id === requested) ? requested : undefined;

  const save = async () => {
    setSaving(true);
    try {
      const saved = await listApi.saveView(app, entity, name, current());
      message.success(t("viewSaved"));
      setName("");
      onSaved(saved);
      reload();
    } catch (failure) {
      message.error(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setSaving(false);
    }
  };
  const remove = async () => {
    if (picked === undefined) return;
    await listApi.deleteView(app, entity, picked);
    onPick(undefined);
    reload();
  };
  return (
    <Flex gap="small">
      <Select
        allowClear
        data-testid="saved-views"
        placeholder={t("savedViews")}
        style={{ minWidth: 140 }}
        value={picked}
        notFoundContent={t("noSavedViews")}
        options={views.map((view) => ({ value: view.id, label: view.name }))}
        onChange={(id: number | undefined) => onPick(views.find((view) => view.id === id))}
      />
      {picked !== undefined && (
        <Button icon={<DeleteOutlined />} aria-label={t("deleteView")} data-testid="saved-view-delete" onClick={() => void remove()} />
      )}
      <Popover
        trigger="click"
        content={
          <Flex gap="small">
            <Input
              data-testid="saved-view-name"
              placeholder={t("viewName")}
              maxLength={100}
              value={name}
              onChange={(event) => setName(event.target.value)}
              onPressEnter={() => name.trim() && void save()}
            />
            <Button type="primary" loading={saving} disabled={!name.trim()} data-testid="saved-view-save" onClick={() => void save()}>
              {t("save")}
            </Button>
          </Flex>
        }
      >
        <Button icon={<SaveOutlined />} data-testid="save-view">
          {t("saveView")}
        </Button>
      </Popover>
    </Flex>
  );
}
