import { ClearOutlined } from "@ant-design/icons";
import { Button, Space } from "antd";
import { useRef, type PointerEvent } from "react";
import { useI18n } from "../hooks/useI18n";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asString } from "./values";

const WIDTH = 480;
const HEIGHT = 160;
const PNG_PREFIX = "data:image/png;base64,";

/** Only a PNG data URL is ever put into an <img>: the server accepts nothing else either. */
function signatureSrc(value: unknown): string | undefined {
  const text = asString(value);
  return text?.startsWith(PNG_PREFIX) ? text : undefined;
}

/**
 * A pad to sign on with a mouse, pen or finger. The value is the drawing as a
 * PNG data URL, sent when a stroke ends; a stored signature is shown as an
 * image until it is cleared and drawn again.
 */
function SignatureInput({ value, onChange, disabled, id, ...aria }: FieldInputProps) {
  const { t } = useI18n();
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  // What this pad produced: while it is the value, the pad stays, so a signature can take several strokes.
  const drawn = useRef<string | null>(null);
  const src = signatureSrc(value);
  const stored = src !== undefined && src !== drawn.current;

  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    // The canvas may be drawn smaller than its pixel size (narrow screens): scale back.
    return [((event.clientX - box.left) * WIDTH) / box.width, ((event.clientY - box.top) * HEIGHT) / box.height];
  };
  const start = (event: PointerEvent<HTMLCanvasElement>) => {
    const context = canvas.current?.getContext("2d");
    if (!context || disabled) return;
    event.currentTarget.setPointerCapture(event.pointerId);
    drawing.current = true;
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#1f1f1f";
    context.beginPath();
    const [x, y] = point(event);
    context.moveTo(x, y);
    context.lineTo(x + 0.01, y);
    context.stroke();
  };
  const move = (event: PointerEvent<HTMLCanvasElement>) => {
    const context = canvas.current?.getContext("2d");
    if (!context || !drawing.current) return;
    const [x, y] = point(event);
    context.lineTo(x, y);
    context.stroke();
  };
  const end = () => {
    if (!drawing.current) return;
    drawing.current = false;
    const url = canvas.current?.toDataURL("image/png");
    if (!url) return;
    drawn.current = url;
    onChange?.(url);
  };
  const clear = () => {
    canvas.current?.getContext("2d")?.clearRect(0, 0, WIDTH, HEIGHT);
    drawn.current = null;
    onChange?.(null);
  };

  return (
    <Space orientation="vertical" className="fw-signature" id={id} {...aria}>
      {stored ? (
        <img src={src} alt={t("signature")} className="fw-signature-pad" width={WIDTH} height={HEIGHT} />
      ) : (
        <canvas
          ref={canvas}
          width={WIDTH}
          height={HEIGHT}
          role="img"
          aria-label={t("signHere")}
          className="fw-signature-pad"
          onPointerDown={start}
          onPointerMove={move}
          onPointerUp={end}
          onPointerCancel={end}
        />
      )}
      <Button size="small" icon={<ClearOutlined />} disabled={disabled || !src} onClick={clear}>
        {t("clear")}
      </Button>
    </Space>
  );
}

export const signature: FieldRenderer = {
  Input: SignatureInput,
  display: (value, _field, { t }) => {
    const src = signatureSrc(value);
    return src ? <img src={src} alt={t("signature")} className="fw-signature-thumb" /> : "";
  },
};
