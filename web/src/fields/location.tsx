import { AimOutlined } from "@ant-design/icons";
import { App, Button, Input, InputNumber, Space } from "antd";
import { useState } from "react";
import { useI18n } from "../hooks/useI18n";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asNumber, asString, isRow } from "./values";

interface Location {
  lat: number | null;
  lng: number | null;
  address?: string;
}

const COORDINATE_DECIMALS = 6;
const LOCATE_TIMEOUT_MS = 10_000;

function toLocation(value: unknown): Location {
  if (!isRow(value)) return { lat: null, lng: null };
  return { lat: asNumber(value.lat), lng: asNumber(value.lng), address: asString(value.address) };
}

/** What is sent: null when nothing is filled, else the parts filled (the server names a missing one). */
function toWire(location: Location): unknown {
  const { lat, lng, address } = location;
  if (lat === null && lng === null && !address) return null;
  return {
    ...(lat === null ? {} : { lat }),
    ...(lng === null ? {} : { lng }),
    ...(address ? { address } : {}),
  };
}

function LocationInput({ value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [locating, setLocating] = useState(false);
  const location = toLocation(value);
  const update = (changes: Partial<Location>) => onChange?.(toWire({ ...location, ...changes }));

  const locate = () => {
    if (!navigator.geolocation) return void message.error(t("locateFailed"));
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => {
        setLocating(false);
        const round = (n: number) => Number(n.toFixed(COORDINATE_DECIMALS));
        update({ lat: round(coords.latitude), lng: round(coords.longitude) });
      },
      () => {
        setLocating(false);
        message.error(t("locateFailed"));
      },
      { timeout: LOCATE_TIMEOUT_MS },
    );
  };

  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Space.Compact block>
        <InputNumber<number>
          id={id}
          {...aria}
          disabled={disabled}
          aria-label={t("latitude")}
          placeholder={t("latitude")}
          min={-90}
          max={90}
          style={{ width: "50%" }}
          value={location.lat}
          onChange={(lat) => update({ lat })}
        />
        <InputNumber<number>
          disabled={disabled}
          aria-label={t("longitude")}
          placeholder={t("longitude")}
          min={-180}
          max={180}
          style={{ width: "50%" }}
          value={location.lng}
          onChange={(lng) => update({ lng })}
        />
        <Button
          icon={<AimOutlined />}
          aria-label={t("locate")}
          title={t("locate")}
          loading={locating}
          disabled={disabled}
          onClick={locate}
        />
      </Space.Compact>
      <Input
        disabled={disabled}
        aria-label={t("detail")}
        placeholder={t("detail")}
        maxLength={200}
        value={location.address ?? ""}
        onChange={(event) => update({ address: event.target.value || undefined })}
      />
    </Space>
  );
}

export const location: FieldRenderer = {
  Input: LocationInput,
  display: (value) => {
    const { lat, lng, address } = toLocation(value);
    const point = lat === null || lng === null ? "" : `(${lat}, ${lng})`;
    return [address, point].filter(Boolean).join(" ");
  },
};
