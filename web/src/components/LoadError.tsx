import { Result } from "antd";
import { ApiError } from "../api/client";
import { useI18n } from "../hooks/useI18n";

export function LoadError({ error }: { error: Error }) {
  const { t } = useI18n();
  const notFound = error instanceof ApiError && error.status === 404;
  return (
    <Result
      status={notFound ? "404" : "error"}
      title={notFound ? t("notFound") : t("loadFailed")}
      subTitle={error.message}
    />
  );
}

export function NotFound() {
  const { t } = useI18n();
  return <Result status="404" title={t("notFound")} />;
}
