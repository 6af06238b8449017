/**
 * A list's records as cards, the phone's form of the records table: each
 * card shows the record's title and the view's first columns as "label:
 * value" in the table's formats, opens the record on a tap and carries a
 * checkbox for bulk work. The sort the table's headers offer is a select
 * here; the pages are the table's (the URL's page and page size).
 */
import { Checkbox, Empty, Flex, Pagination, Select, Spin, Typography } from "antd";
import type { KeyboardEvent, ReactNode } from "react";
import type { EntityDef, FieldDef, RecordData } from "../api/types";
import { isSortable } from "../definition";
import { cellValue } from "../fields/registry";
import { useAppDefinition } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";

/** Columns a card shows besides its title: enough to tell records apart, few enough to scan. */
const CARD_FIELD_COUNT = 4;

export interface CardListProps {
  entity: EntityDef;
  /** The list's visible columns, in order. */
  fields: FieldDef[];
  records: RecordData[];
  loading: boolean;
  selected: number[];
  onSelect: (ids: number[]) => void;
  onOpen: (record: RecordData) => void;
  /** A card's own control beside its title (a pool's claim). */
  extra?: (record: RecordData) => ReactNode;
  /** The order shown (`field` or `-field`); absent: the view's. */
  sort?: string;
  onSort: (sort: string | undefined) => void;
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number, pageSize: number) => void;
}

export function CardList({
  entity,
  fields,
  records,
  loading,
  selected,
  onSelect,
  onOpen,
  extra,
  sort,
  onSort,
  page,
  pageSize,
  total,
  onPage,
}: CardListProps) {
  const definition = useAppDefinition();
  const { t, label } = useI18n();
  const titleField = entity.fields.find((field) => field.key === entity.title_field);
  const shown = fields.filter((field) => field.key !== titleField?.key).slice(0, CARD_FIELD_COUNT);
  const ctx = (field: FieldDef, record: RecordData) => ({ t, label, definition, title: record._display?.[field.key] });

  const pageIds = records.map((record) => record.id);
  const pickedOnPage = pageIds.filter((id) => selected.includes(id)).length;
  const selectPage = (checked: boolean) =>
    onSelect(
      checked
        ? [...selected, ...pageIds.filter((id) => !selected.includes(id))]
        : selected.filter((id) => !pageIds.includes(id)),
    );
  const toggle = (id: number, checked: boolean) =>
    onSelect(checked ? [...selected, id] : selected.filter((other) => other !== id));

  const sortOptions = fields.filter(isSortable).flatMap((field) => {
    const name = label(field.label, field.key);
    return [
      { value: field.key, label: t("sortUp", { field: name }) },
      { value: `-${field.key}`, label: t("sortDown", { field: name }) },
    ];
  });

  const card = (record: RecordData) => {
    const title = titleField ? cellValue(titleField, record[titleField.key], ctx(titleField, record)) : "";
    return (
      <div
        key={record.id}
        className="fw-list-card"
        role="button"
        tabIndex={0}
        data-testid={`record-card-${record.id}`}
        onClick={() => onOpen(record)}
        onKeyDown={(event: KeyboardEvent) => {
          if (event.key === "Enter" && event.target === event.currentTarget) onOpen(record);
        }}
      >
        <Flex align="center" gap="small" className="fw-list-card-head">
          {/* The checkbox selects; only the rest of the card opens the record. */}
          <span onClick={(event) => event.stopPropagation()}>
            <Checkbox
              checked={selected.includes(record.id)}
              data-testid={`row-select-${record.id}`}
              aria-label={String(title || `#${record.id}`)}
              onChange={(event) => toggle(record.id, event.target.checked)}
            />
          </span>
          <Typography.Text strong ellipsis className="fw-list-card-title" data-testid="record-card-title">
            {title === "" ? `#${record.id}` : title}
          </Typography.Text>
          {extra && <span onClick={(event) => event.stopPropagation()}>{extra(record)}</span>}
        </Flex>
        {shown.map((field) => {
          const value = cellValue(field, record[field.key], ctx(field, record));
          if (value === "") return null;
          return (
            <div key={field.key} className="fw-card-field">
              <Typography.Text type="secondary">{label(field.label, field.key)}</Typography.Text>
              <span>{value}</span>
            </div>
          );
        })}
      </div>
    );
  };

  return (
    <div data-testid="card-list">
      <Flex justify="space-between" align="center" gap="small" className="fw-gap">
        <Checkbox
          checked={pickedOnPage > 0 && pickedOnPage === pageIds.length}
          indeterminate={pickedOnPage > 0 && pickedOnPage < pageIds.length}
          disabled={!pageIds.length}
          data-testid="select-page"
          onChange={(event) => selectPage(event.target.checked)}
        >
          {t("selectPage")}
        </Checkbox>
        {sortOptions.length > 0 && (
          <Select
            allowClear
            size="small"
            className="fw-card-sort"
            data-testid="card-sort"
            placeholder={t("sortBy")}
            aria-label={t("sortBy")}
            // The view's own order may be by a column the cards do not offer: then none is shown.
            value={sortOptions.some((option) => option.value === sort) ? sort : undefined}
            options={sortOptions}
            onChange={(value: string | undefined) => onSort(value)}
          />
        )}
      </Flex>
      <Spin spinning={loading}>
        <Flex vertical gap="small">
          {records.map(card)}
          {!loading && !records.length && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("noRecords")} />}
        </Flex>
      </Spin>
      <Flex vertical align="center" gap="small" className="fw-pagination" data-testid="card-pagination">
        <Pagination simple size="small" current={page} pageSize={pageSize} total={total} onChange={onPage} />
        <Typography.Text type="secondary">{t("total", { n: total })}</Typography.Text>
      </Flex>
    </div>
  );
}
