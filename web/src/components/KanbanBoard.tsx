/**
 * A kanban view: one column per option of the view's select field, in the
 * options' order; each column loads its own cards (`?view=&filter=`), its
 * count and, for a money or number card field, its sum (`…/aggregate`).
 * A card moves by native drag and drop or its "Move to…" menu (phones,
 * keyboards): the board changes at once and goes back if the server refuses.
 * On a phone the columns snap one per swipe, and a strip of the stages
 * above them brings any column into view with a tap.
 */
import { SwapOutlined } from "@ant-design/icons";
import { App as AntApp, Button, Card, Dropdown, Empty, Flex, Spin, Tag, Typography } from "antd";
import { useCallback, useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from "react";
import { useLocation, useNavigate } from "react-router-dom";
import { api, ApiError } from "../api/client";
import type { EntityDef, FieldDef, RecordData, SelectOption, ViewDef } from "../api/types";
import { boardFields } from "../definition";
import { cellValue } from "../fields/registry";
import { asNumber } from "../fields/values";
import { useAppDefinition, useEntityAccess } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { usePhone } from "../hooks/usePhone";
import { useReducedMotion } from "../hooks/useReducedMotion";

/** Cards a column loads at a time. */
const CARDS_PER_PAGE = 50;
/** Types whose values a column adds up. */
const SUMMABLE_TYPES = new Set(["currency", "number"]);

interface Column {
  items: RecordData[];
  total: number;
  /** The sum of the summed field, when the server answered it. */
  sum?: number;
  /** Pages loaded so far. */
  pages: number;
}

type Columns = Record<string, Column>;

interface BoardProps {
  app: string;
  entity: EntityDef;
  view: ViewDef;
  /** The page's search words, applied to every column. */
  q: string;
}

const columnFilter = (field: string, value: string) => JSON.stringify({ field, op: "eq", value });

/** `columns` with `record` taken out of column `from` and put first into column `to` as `placed`. */
function shifted(columns: Columns, record: RecordData, placed: RecordData, from: string, to: string, amount: number) {
  const source = columns[from];
  const target = columns[to];
  if (!source || !target) return columns;
  return {
    ...columns,
    [from]: {
      ...source,
      items: source.items.filter((item) => item.id !== record.id),
      total: source.total - 1,
      sum: source.sum === undefined ? undefined : source.sum - amount,
    },
    [to]: {
      ...target,
      items: [placed, ...target.items.filter((item) => item.id !== record.id)],
      total: target.total + 1,
      sum: target.sum === undefined ? undefined : target.sum + amount,
    },
  };
}

/** The messages of a refusal: its field errors, else its detail. */
function problemItems(failure: ApiError): string[] {
  const errors = failure.problem.errors ?? [];
  return errors.length ? errors.map((error) => error.message) : [failure.message];
}

export function KanbanBoard({ app, entity, view, q }: BoardProps) {
  const definition = useAppDefinition();
  const access = useEntityAccess(entity.key);
  const { t, label } = useI18n();
  const { message, modal } = AntApp.useApp();
  const navigate = useNavigate();
  const location = useLocation();
  const { groupBy, cardFields: allCardFields } = boardFields(entity, view);
  const groupKey = groupBy?.key ?? "";
  const options: SelectOption[] = groupBy?.options ?? [];
  const cardFields = allCardFields.filter((field) => access.fields[field.key] !== "hidden");
  const sumField = cardFields.find((field) => SUMMABLE_TYPES.has(field.type));
  const titleKey = entity.title_field;
  const titleField = entity.fields.find((field) => field.key === titleKey);
  const canMove = access.update !== false && (access.fields[groupKey] ?? "write") === "write";

  const [columns, setColumns] = useState<Columns>({});
  const [loading, setLoading] = useState(true);
  const [failed, setFailed] = useState<Error>();
  const [generation, setGeneration] = useState(0);
  const dragged = useRef<{ record: RecordData; from: string } | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const phone = usePhone();
  const reducedMotion = useReducedMotion();
  const board = useRef<HTMLDivElement>(null);
  const strip = useRef<HTMLDivElement>(null);
  /** The stage whose column is at the board's left edge now (phones). */
  const [inView, setInView] = useState(options[0]?.value);

  const cardsOf = useCallback(
    (value: string, page: number) =>
      api.listRecords(app, entity.key, {
        view: view.key,
        filter: columnFilter(groupKey, value),
        page,
        page_size: CARDS_PER_PAGE,
        q,
      }),
    [app, entity.key, view.key, groupKey, q],
  );

  useEffect(() => {
    let current = true;
    setLoading(true);
    // A view with a filter of its own is summed through that view; without one the sums are exact anyway.
    const sums: Promise<Map<string, number | null> | null> = sumField
      ? api
          .aggregate(app, entity.key, {
            group_by: groupKey,
            measures: `sum:${sumField.key}`,
            q,
            view: view.filter === undefined || view.filter === null ? undefined : view.key,
          })
          .then(
            (answer) =>
              new Map(answer.groups.map((group) => [String(group[groupKey]), asNumber(group[`sum_${sumField.key}`])])),
            // The sums are a help, not the board: without them the counts still stand.
            () => null,
          )
      : Promise.resolve(null);
    Promise.all([Promise.all(options.map((option) => cardsOf(option.value, 1))), sums]).then(
      ([pages, sumByValue]) => {
        if (!current) return;
        const loaded: Columns = {};
        options.forEach((option, index) => {
          const page = pages[index];
          // A column without records is no group of the answer: its sum is 0.
          const sum = sumByValue ? (sumByValue.get(option.value) ?? 0) : undefined;
          loaded[option.value] = { items: page.items, total: page.total, sum, pages: 1 };
        });
        setColumns(loaded);
        setFailed(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!current) return;
        setFailed(failure instanceof Error ? failure : new Error(String(failure)));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
    // `options` and `sumField` follow from the definition, which `view` and `entity` stand for.
  }, [cardsOf, generation]);

  const loadMore = async (value: string) => {
    const column = columns[value];
    if (!column) return;
    try {
      const page = await cardsOf(value, column.pages + 1);
      setColumns((now) => {
        const known = now[value];
        if (!known) return now;
        const ids = new Set(known.items.map((item) => item.id));
        return {
          ...now,
          [value]: {
            ...known,
            items: [...known.items, ...page.items.filter((item) => !ids.has(item.id))],
            pages: known.pages + 1,
          },
        };
      });
    } catch (failure) {
      message.error(failure instanceof Error ? failure.message : String(failure));
    }
  };

  const optionLabel = (value: string) =>
    label(options.find((option) => option.value === value)?.label, value);
  // A card opens the record's page; a refused move opens its form, started from the move (`preset`),
  // which comes back here when done (`back`).
  const openRecord = (record: RecordData, preset?: Record<string, unknown>) =>
    navigate(preset ? `${record.id}/edit` : String(record.id), {
      state: { back: `${location.pathname}${location.search}`, preset },
    });

  const refused = (failure: unknown, record: RecordData, to: string) => {
    if (!(failure instanceof ApiError)) {
      message.error(failure instanceof Error ? failure.message : String(failure));
    } else if (failure.status === 409) {
      message.warning(t("cardChanged"));
      setGeneration((n) => n + 1);
    } else if (failure.status === 422) {
      // The move needs more (a lost deal needs its reason): the form can ask for it, the move preset.
      modal.confirm({
        title: t("moveRefused", { column: optionLabel(to) }),
        content: (
          <ul className="fw-flush" data-testid="move-errors">
            {problemItems(failure).map((text) => (
              <li key={text}>{text}</li>
            ))}
          </ul>
        ),
        okText: t("openRecord"),
        cancelText: t("cancel"),
        onOk: () => openRecord(record, { [groupKey]: to }),
      });
    } else {
      message.error(`${t("moveFailed")}: ${failure.message}`);
    }
  };

  const move = async (record: RecordData, from: string, to: string) => {
    if (from === to || !columns[to]) return;
    const amount = sumField ? (asNumber(record[sumField.key]) ?? 0) : 0;
    const placed = { ...record, [groupKey]: to };
    setColumns((now) => shifted(now, record, placed, from, to, amount));
    try {
      const saved = await api.updateRecord(app, entity.key, record.id, { [groupKey]: to, version: record.version });
      setColumns((now) => {
        const target = now[to];
        if (!target) return now;
        return { ...now, [to]: { ...target, items: target.items.map((item) => (item.id === saved.id ? saved : item)) } };
      });
      message.success(t("movedTo", { column: optionLabel(to) }));
    } catch (failure) {
      setColumns((now) => shifted(now, placed, record, to, from, amount));
      refused(failure, record, to);
    }
  };

  const onDragOver = (event: DragEvent<HTMLElement>, value: string) => {
    if (!dragged.current || dragged.current.from === value) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "move";
    setDropTarget(value);
  };
  const onDrop = (event: DragEvent<HTMLElement>, value: string) => {
    event.preventDefault();
    setDropTarget(null);
    const moving = dragged.current;
    dragged.current = null;
    if (moving) void move(moving.record, moving.from, value);
  };

  /** Scrolls `container` sideways until `child`'s left edge is `margin` px from its own. */
  const scrollTo = (container: HTMLElement, child: Element, margin = 0) => {
    const offset = child.getBoundingClientRect().left - container.getBoundingClientRect().left;
    container.scrollTo({ left: container.scrollLeft + offset - margin, behavior: reducedMotion ? "auto" : "smooth" });
  };
  const stageChild = (container: HTMLElement | null, value: string) =>
    [...(container?.children ?? [])].find((child) => child instanceof HTMLElement && child.dataset.stage === value);
  /** The strip follows the board: its chip of the stage in view scrolls into the strip's view. */
  const showChip = (value: string) => {
    setInView(value);
    const chip = stageChild(strip.current, value);
    // Scrolling the strip alone: scrollIntoView would scroll the page up to it too.
    if (strip.current && chip) scrollTo(strip.current, chip, 24);
  };
  const bringIntoView = (value: string) => {
    const column = stageChild(board.current, value);
    if (!board.current || !column) return;
    scrollTo(board.current, column);
    showChip(value);
  };
  const onBoardScroll = () => {
    const element = board.current;
    if (!phone || !element) return;
    // The column nearest the left edge; at the end of the scroll, the last (it cannot reach the edge).
    const atEnd = element.scrollLeft + element.clientWidth >= element.scrollWidth - 2;
    const columns = [...element.children].filter((child) => child instanceof HTMLElement);
    const edge = element.getBoundingClientRect().left;
    const distance = (column: Element) => Math.abs(column.getBoundingClientRect().left - edge);
    const nearest = atEnd
      ? columns[columns.length - 1]
      : columns.reduce<HTMLElement | undefined>(
          (best, column) => (!best || distance(column) < distance(best) ? column : best),
          undefined,
        );
    const value = nearest?.dataset.stage;
    if (value !== undefined && value !== inView) showChip(value);
  };

  if (failed) {
    return (
      <Typography.Text type="danger" data-testid="kanban-error">
        {t("loadFailed")}: {failed.message}
      </Typography.Text>
    );
  }

  const card = (record: RecordData, value: string) => {
    const title = titleKey ? record[titleKey] : undefined;
    const ctx = (field: FieldDef) => ({ t, label, definition, title: record._display?.[field.key] });
    const others = options.filter((option) => option.value !== value);
    return (
      <div
        key={record.id}
        className="fw-card"
        data-testid={`kanban-card-${record.id}`}
        draggable={canMove}
        role="button"
        tabIndex={0}
        onDragStart={(event) => {
          dragged.current = { record, from: value };
          event.dataTransfer.effectAllowed = "move";
          event.dataTransfer.setData("text/plain", String(record.id));
        }}
        onDragEnd={() => {
          dragged.current = null;
          setDropTarget(null);
        }}
        onClick={() => openRecord(record)}
        onKeyDown={(event: KeyboardEvent) => {
          if (event.key === "Enter" && event.target === event.currentTarget) openRecord(record);
        }}
      >
        <Card
          size="small"
          hoverable
          title={
            <span data-testid="kanban-card-title">
              {titleField && title !== undefined && title !== null && title !== ""
                ? cellValue(titleField, title, ctx(titleField))
                : `#${record.id}`}
            </span>
          }
          extra={
            canMove && (
              <Dropdown
                trigger={["click"]}
                menu={{
                  items: others.map((option) => ({
                    key: option.value,
                    label: <span data-testid={`move-to-${option.value}`}>{label(option.label, option.value)}</span>,
                  })),
                  onClick: ({ key, domEvent }) => {
                    // The menu lives in a portal, yet React bubbles its clicks up to the card.
                    domEvent.stopPropagation();
                    void move(record, value, key);
                  },
                }}
              >
                <Button
                  size="small"
                  type="text"
                  icon={<SwapOutlined />}
                  aria-label={t("moveTo")}
                  title={t("moveTo")}
                  data-testid={`card-move-${record.id}`}
                  onClick={(event) => event.stopPropagation()}
                />
              </Dropdown>
            )
          }
        >
          {cardFields.map((field) => {
            const shown = cellValue(field, record[field.key], ctx(field));
            if (shown === "") return null;
            return (
              <div key={field.key} className="fw-card-field">
                <Typography.Text type="secondary">{label(field.label, field.key)}</Typography.Text>
                <span>{shown}</span>
              </div>
            );
          })}
        </Card>
      </div>
    );
  };

  return (
    <Spin spinning={loading}>
      {phone && (
        <div className="fw-board-stages" role="tablist" aria-label={t("stages")} ref={strip} data-testid="kanban-stages">
          {options.map((option) => (
            <Button
              key={option.value}
              size="small"
              shape="round"
              role="tab"
              aria-selected={inView === option.value}
              type={inView === option.value ? "primary" : "default"}
              data-stage={option.value}
              data-testid={`kanban-stage-${option.value}`}
              onClick={() => bringIntoView(option.value)}
            >
              {label(option.label, option.value)} · {columns[option.value]?.total ?? 0}
            </Button>
          ))}
        </div>
      )}
      <div className="fw-board" data-testid="kanban-board" ref={board} onScroll={onBoardScroll}>
        {options.map((option) => {
          const column = columns[option.value];
          return (
            <section
              key={option.value}
              className={`fw-board-column${dropTarget === option.value ? " fw-drop-target" : ""}`}
              data-stage={option.value}
              style={{ borderTopColor: option.color ?? "#d9d9d9" }}
              data-testid={`kanban-column-${option.value}`}
              aria-label={label(option.label, option.value)}
              onDragOver={(event) => onDragOver(event, option.value)}
              onDragLeave={(event) => {
                if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDropTarget(null);
              }}
              onDrop={(event) => onDrop(event, option.value)}
            >
              <Flex justify="space-between" align="center" gap="small" className="fw-board-head">
                <Typography.Text strong ellipsis>
                  {label(option.label, option.value)}
                </Typography.Text>
                <Tag data-testid={`kanban-count-${option.value}`}>{column?.total ?? 0}</Tag>
              </Flex>
              {sumField && column?.sum !== undefined && (
                <Typography.Text
                  type="secondary"
                  className="fw-board-sum"
                  data-testid={`kanban-sum-${option.value}`}
                  title={label(sumField.label, sumField.key)}
                >
                  {cellValue(sumField, column.sum, { t, label, definition })}
                </Typography.Text>
              )}
              <div className="fw-board-cards">
                {column?.items.map((record) => card(record, option.value))}
                {column && !column.items.length && (
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("noRecords")} />
                )}
                {column && column.items.length < column.total && (
                  <Button type="link" block onClick={() => void loadMore(option.value)}>
                    {t("loadMore")}
                  </Button>
                )}
              </div>
            </section>
          );
        })}
      </div>
    </Spin>
  );
}
