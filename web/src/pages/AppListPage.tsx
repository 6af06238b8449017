import { AppstoreOutlined } from "@ant-design/icons";
import { Card, Col, Empty, Row, Spin, Typography } from "antd";
import { useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { AppSummary } from "../api/types";
import { LoadError } from "../components/LoadError";
import { useLoader } from "../hooks/useLoader";
import { useI18n } from "../hooks/useI18n";

function AppCard({ app }: { app: AppSummary }) {
  const { t, label } = useI18n();
  const navigate = useNavigate();
  return (
    <Card
      hoverable
      data-testid={`app-card-${app.key}`}
      onClick={() => navigate(`/apps/${encodeURIComponent(app.key)}`)}
    >
      <Card.Meta
        avatar={<AppstoreOutlined className="fw-app-icon" />}
        title={label(app.label, app.key)}
        description={
          <>
            <div>{app.entities.map((entity) => label(entity.label, entity.key)).join(" · ")}</div>
            <Typography.Text type="secondary">
              v{app.version} · {app.entities.length} {t("entities")}
            </Typography.Text>
          </>
        }
      />
    </Card>
  );
}

export function AppListPage() {
  const { t } = useI18n();
  const { data: apps, error, loading } = useLoader(api.apps, []);
  if (error) return <LoadError error={error} />;
  return (
    <div className="fw-page">
      <Typography.Title level={3}>{t("apps")}</Typography.Title>
      <Spin spinning={loading}>
        {apps && apps.length === 0 ? (
          <Empty description={t("noApps")} />
        ) : (
          <Row gutter={[16, 16]}>
            {apps?.map((app) => (
              <Col key={app.key} xs={24} sm={12} lg={8}>
                <AppCard app={app} />
              </Col>
            ))}
          </Row>
        )}
      </Spin>
    </div>
  );
}
