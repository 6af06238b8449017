/** A record's fields read-only, in its form's sections, each shown in its type's format. */
import { Card, Descriptions, Typography } from "antd";
import { Link, useOutletContext } from "react-router-dom";
import type { EntityAccess, EntityDef, FieldDef, RecordData } from "../api/types";
import { formSections } from "../definition";
import { displayValue } from "../fields/registry";
import { asNumber } from "../fields/values";
import { useAppDefinition, type OpenApp } from "../hooks/useAppDefinition";
import { useI18n } from "../hooks/useI18n";
import { recordPath } from "./paths";
import { poolHiddenFields } from "./pool";

interface Props {
  app: string;
  entity: EntityDef;
  record: RecordData;
  access: EntityAccess;
}

export function RecordFields({ app, entity, record, access }: Props) {
  const definition = useAppDefinition();
  const { t, label } = useI18n();
  const pooled = poolHiddenFields(definition, useOutletContext<OpenApp>().access, entity.key, record);
  const show = (field: FieldDef) => {
    if (pooled.has(field.key)) return <Typography.Text type="secondary">{t("poolHidden")}</Typography.Text>;
    const title = record._display?.[field.key];
    const shown = displayValue(field, record[field.key], { t, label, definition, title });
    const target = field.type === "link" ? field.target : undefined;
    const id = asNumber(record[field.key]);
    // A linked record's title opens it (the server answers 404 if the reader may not).
    return target && id !== null && shown ? <Link to={recordPath(app, target, id)}>{shown}</Link> : shown;
  };
  const sections = formSections(definition, entity)
    .map((section) => ({
      ...section,
      fields: section.fields.filter((field) => access.fields?.[field.key] !== "hidden" && field.key in record),
    }))
    .filter((section) => section.fields.length);
  return (
    <>
      {sections.map((section, index) => (
        <Card
          key={index}
          size="small"
          className="fw-gap"
          title={section.title ? label(section.title, "") : index === 0 ? t("recordDetails") : undefined}
        >
          <Descriptions size="small" column={{ xs: 1, sm: 1, md: section.columns }}>
            {section.fields
              .filter((field) => field.type !== "subtable")
              .map((field) => (
                <Descriptions.Item key={field.key} label={label(field.label, field.key)}>
                  <span data-testid={`field-${field.key}`}>{show(field)}</span>
                </Descriptions.Item>
              ))}
          </Descriptions>
          {/* Line items get the section's whole width: their columns are what is read. */}
          {section.fields
            .filter((field) => field.type === "subtable")
            .map((field) => (
              <div key={field.key} className="fw-gap" data-testid={`field-${field.key}`}>
                <Typography.Text type="secondary">{label(field.label, field.key)}</Typography.Text>
                {show(field)}
              </div>
            ))}
        </Card>
      ))}
    </>
  );
}
