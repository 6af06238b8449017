import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Form, Table } from "antd";
import type { ColumnsType } from "antd/es/table";
import { useRef } from "react";
import type { FieldDef } from "../api/types";
import { useI18n } from "../hooks/useI18n";
import { FieldEnvironmentContext, useFieldEnvironment } from "./context";
// FieldInput and the registry include this module: the cycle is the recursion of sub-tables.
import { FieldInput } from "./FieldInput";
import { usePathState } from "./preview";
import { isEditable, wireValue } from "./registry";
import type { FieldInputProps, FieldRenderer } from "./types";
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

interface CellProps {
  field: FieldDef;
  row: Row;
  path: string;
  disabled?: boolean;
  onChange: (value: unknown) => void;
}

/** One cell; its `visible_when`/`readonly_when` apply per row, as the server evaluated them. */
function Cell({ field, row, path, disabled, onChange }: CellProps) {
  const env = useFieldEnvironment();
  const { label } = useI18n();
  const live = usePathState(path);
  if (!live.visible) return null;
  return (
    <FieldEnvironmentContext.Provider value={{ ...env, display: asDisplayMap(row._display) }}>
      {/* Cells do not inherit the error state of the whole sub-table field. */}
      <Form.Item noStyle validateStatus="">
        <div data-testid={`cell-${path}`} aria-label={label(field.label, field.key)} role="group">
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

  const setCell = (index: number, key: string, cellValue: unknown) =>
    onChange?.(rows.map((row, i) => (i === index ? carry(row, { ...row, [key]: cellValue }) : row)));

  const columns: ColumnsType<Row> = (field.fields ?? []).map((sub) => ({
    key: sub.key,
    title: <RequiredTitle field={sub} />,
    render: (_: unknown, row: Row, index: number) => (
      <Cell
        field={sub}
        row={row}
        path={`${field.key}[${index}].${sub.key}`}
        disabled={disabled}
        onChange={(cellValue) => setCell(index, sub.key, cellValue)}
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
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => onChange?.([...rows, {}])}>
                  {t("addRow")}
                </Button>
              )
        }
      />
    </div>
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

export const subtable: FieldRenderer = {
  Input: SubtableInput,
  display: (value, _field, { t }) => t("rows", { n: asRows(value).length }),
  toWire: rowsToWire,
};
