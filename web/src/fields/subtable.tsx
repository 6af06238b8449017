import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Form, Table, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import { useRef } from "react";
import type { FieldDef } from "../api/types";
import { useI18n } from "../hooks/useI18n";
import { FieldEnvironmentContext, useFieldEnvironment } from "./context";
// FieldInput and the registry include this module: the cycle is the recursion of sub-tables.
import { FieldInput } from "./FieldInput";
import { usePathState } from "./preview";
import { usePhone } from "../hooks/usePhone";
import { cellValue, isEditable, wireValue } from "./registry";
import type { DisplayContext, FieldInputProps, FieldRenderer } from "./types";
import { asDisplayMap, asRows, type Row } from "./values";

/** Stable React keys for rows, carried over when a row object is replaced by its edited copy. */
function useRowKeys() {
  const keys = useRef(new WeakMap<Row, number>());
  const next = useRef(0);
  const keyOf = (row: Row): number => {
    let key = keys.current.get(row);
    if (key === undefined) {
      key = next.current++;
      keys.current.set(row, key);
    }
    return key;
  };
  const carry = (from: Row, to: Row): Row => {
    keys.current.set(to, keyOf(from));
    return to;
  };
  return { keyOf, carry };
}

function RequiredTitle({ field }: { field: FieldDef }) {
  const { label } = useI18n();
  return (
    <span>
      {field.required && <span className="fw-required">*</span>}
      {label(field.label, field.key)}
    </span>
  );
}

/** Column widths by type (px): wide enough for a product's name or a sum with its currency sign. */
const COLUMN_WIDTHS: Record<string, number> = {
  link: 220,
  links: 240,
  user: 160,
  text: 180,
  textarea: 220,
  select: 150,
  number: 110,
  currency: 150,
  percent: 110,
  formula: 140,
  date: 150,
  datetime: 200,
};
const DEFAULT_COLUMN_WIDTH = 160;

function columnWidth(field: FieldDef): number {
  return COLUMN_WIDTHS[field.type] ?? DEFAULT_COLUMN_WIDTH;
}

interface CellProps {
  field: FieldDef;
  row: Row;
  path: string;
  disabled?: boolean;
  onChange: (value: unknown) => void;
  /** Linkage inside the row: a link cell fills the row's other cells. */
  setRowValues: (values: Row) => void;
}

/** One cell; its `visible_when`/`readonly_when` apply per row, as the server evaluated them. */
function Cell({ field, row, path, disabled, onChange, setRowValues }: CellProps) {
  const env = useFieldEnvironment();
  const { label } = useI18n();
  const live = usePathState(path);
  if (!live.visible) return null;
  // Linkage sees the row's cells only: a line's product fills the line (as on the server).
  const environment = { ...env, display: asDisplayMap(row._display), siblings: () => row, setSiblings: setRowValues };
  return (
    <FieldEnvironmentContext.Provider value={environment}>
      {/* Cells do not inherit the error state of the whole sub-table field. */}
      <Form.Item noStyle validateStatus="">
        <div
          data-testid={`cell-${path}`}
          aria-label={label(field.label, field.key)}
          role="group"
          style={{ minWidth: columnWidth(field) - 16 }}
        >
          <FieldInput field={field} path={path} value={row[field.key]} disabled={disabled} onChange={onChange} />
        </div>
      </Form.Item>
    </FieldEnvironmentContext.Provider>
  );
}

function SubtableInput({ field, value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { t } = useI18n();
  const rows = asRows(value);
  const { keyOf, carry } = useRowKeys();

  // A fill arrives after the pick that asked for it: it merges into the rows as they are then.
  const latest = useRef({ rows, onChange });
  latest.current = { rows, onChange };
  const setRow = (index: number, values: Row) => {
    const { rows: now, onChange: change } = latest.current;
    change?.(now.map((row, i) => (i === index ? carry(row, { ...row, ...values }) : row)));
  };

  const columns: ColumnsType<Row> = (field.fields ?? []).map((sub) => ({
    key: sub.key,
    width: columnWidth(sub),
    title: <RequiredTitle field={sub} />,
    render: (_: unknown, row: Row, index: number) => (
      <Cell
        field={sub}
        row={row}
        path={`${field.key}[${index}].${sub.key}`}
        disabled={disabled}
        onChange={(cellValue) => setRow(index, { [sub.key]: cellValue })}
        setRowValues={(values) => setRow(index, values)}
      />
    ),
  }));
  if (!disabled) {
    columns.push({
      key: "_actions",
      width: 56,
      render: (_: unknown, _row: Row, index: number) => (
        <Button
          type="text"
          danger
          aria-label={t("deleteRow")}
          icon={<DeleteOutlined />}
          onClick={() => onChange?.(rows.filter((_item, i) => i !== index))}
        />
      ),
    });
  }

  return (
    <div id={id} role="group" {...aria} data-testid={`subtable-${field.key}`}>
      <Table<Row>
        size="small"
        pagination={false}
        rowKey={keyOf}
        columns={columns}
        dataSource={rows}
        scroll={{ x: "max-content" }}
        footer={
          disabled
            ? undefined
            : () => (
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => onChange?.([...rows, newRow(field)])}>
                  {t("addRow")}
                </Button>
              )
        }
      />
    </div>
  );
}

/**
 * A new row with its sub-fields' literal defaults (a quantity of 1), so its
 * formulas (the subtotal) show at once; expression defaults are the server's.
 */
function newRow(field: FieldDef): Row {
  return Object.fromEntries(
    (field.fields ?? []).flatMap((sub) => {
      const literal = sub.default !== undefined && sub.default !== null;
      return literal && !(typeof sub.default === "string" && sub.default.startsWith("=")) ? [[sub.key, sub.default]] : [];
    }),
  );
}

/**
 * Rows as sent: only editable sub-fields, each in its own wire format; other keys (e.g. a row id) kept.
 * A write replaces all rows, so every cell is sent, hidden or not: leaving one out would erase it.
 */
function rowsToWire(value: unknown, field: FieldDef): Row[] {
  const subFields = new Map((field.fields ?? []).map((sub) => [sub.key, sub]));
  return asRows(value).map((row) =>
    Object.fromEntries(
      Object.entries(row).flatMap(([key, cellValue]) => {
        if (key === "_display") return [];
        const sub = subFields.get(key);
        if (!sub) return [[key, cellValue]];
        return isEditable(sub) ? [[key, wireValue(sub, cellValue)]] : [];
      }),
    ),
  );
}

/**
 * The rows read-only, as a record page shows them: a table of the sub-fields
 * in their types' formats (product names, not ids; money as money), or on a
 * phone one card per row, the sub-fields stacked, so nothing scrolls sideways.
 */
function SubtableView({ rows, field, ctx }: { rows: Row[]; field: FieldDef; ctx: DisplayContext }) {
  const phone = usePhone();
  const subFields = field.fields ?? [];
  const cell = (sub: FieldDef, row: Row) =>
    cellValue(sub, row[sub.key], { ...ctx, title: asDisplayMap(row._display)[sub.key] });
  if (phone) {
    return (
      <div className="fw-subtable-cards" data-testid={`subtable-view-${field.key}`}>
        {rows.map((row, index) => (
          <div key={index} className="fw-list-card">
            {subFields.map((sub) => {
              const shown = cell(sub, row);
              return shown === "" ? null : (
                <div key={sub.key} className="fw-card-field">
                  <Typography.Text type="secondary">{ctx.label(sub.label, sub.key)}</Typography.Text>
                  <span>{shown}</span>
                </div>
              );
            })}
          </div>
        ))}
      </div>
    );
  }
  const columns: ColumnsType<Row> = subFields.map((sub) => ({
    key: sub.key,
    title: ctx.label(sub.label, sub.key),
    render: (_: unknown, row: Row) => cell(sub, row),
  }));
  return (
    <Table<Row>
      size="small"
      pagination={false}
      rowKey={(_, index) => String(index)}
      columns={columns}
      dataSource={rows}
      scroll={{ x: "max-content" }}
      data-testid={`subtable-view-${field.key}`}
    />
  );
}

export const subtable: FieldRenderer = {
  Input: SubtableInput,
  display: (value, field, ctx) => <SubtableView rows={asRows(value)} field={field} ctx={ctx} />,
  // One line in a list's cell: how many rows.
  summary: (value, _field, { t }) => t("rows", { n: asRows(value).length }),
  toWire: rowsToWire,
};
