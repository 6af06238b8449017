import { UploadOutlined } from "@ant-design/icons";
import { App, Button, Space, Typography, Upload } from "antd";
import type { UploadChangeParam, UploadFile } from "antd/es/upload/interface";
import { useRef, useState } from "react";
import { authHeaders, downloadFile, FILES_URL } from "../api/client";
import type { StoredFile } from "../api/types";
import { useI18n } from "../hooks/useI18n";
import type { FieldInputProps, FieldRenderer } from "./types";
import { asArray, asString, isRow } from "./values";

function toStoredFiles(value: unknown): StoredFile[] {
  return asArray(value).flatMap((item) => {
    if (!isRow(item)) return [];
    const name = asString(item.name);
    const url = asString(item.url);
    const fileId = item.id;
    if (!name || !url || (typeof fileId !== "number" && typeof fileId !== "string")) return [];
    return [{ ...item, id: fileId, name, url }];
  });
}

function useDownload() {
  const { message } = App.useApp();
  return (file: { url?: string; name: string }) => {
    if (file.url) downloadFile(file.url, file.name).catch((error: Error) => message.error(error.message));
  };
}

function FileLink({ file }: { file: StoredFile }) {
  const download = useDownload();
  return (
    <Typography.Link
      onClick={(event) => {
        event.stopPropagation(); // inside a table row, which opens the record on click
        download(file);
      }}
    >
      {file.name}
    </Typography.Link>
  );
}

/**
 * The form value holds the uploaded files; files still uploading (or failed)
 * live only here until the server answers with their stored description.
 */
function AttachmentInput({ field, value, onChange, id, ...aria }: FieldInputProps) {
  const { t } = useI18n();
  const download = useDownload();
  const stored = toStoredFiles(value);
  const [pending, setPending] = useState<UploadFile<StoredFile>[]>([]);
  // A file keeps the uid it was uploaded under, so the list shows one item going from uploading to done.
  const uploadUids = useRef(new Map<StoredFile["id"], string>());
  const uidOf = (file: StoredFile) => uploadUids.current.get(file.id) ?? `stored-${file.id}`;
  const toUploadFile = (file: StoredFile): UploadFile => ({
    uid: uidOf(file),
    name: file.name,
    status: "done",
    url: file.url,
  });
  const maxFiles = field.max_files;

  const handleChange = ({ file }: UploadChangeParam<UploadFile<StoredFile>>) => {
    const withoutFile = (items: UploadFile<StoredFile>[]) => items.filter((item) => item.uid !== file.uid);
    if (file.status === "removed") {
      setPending(withoutFile);
      onChange?.(stored.filter((item) => uidOf(item) !== file.uid));
    } else if (file.status === "done" && file.response) {
      uploadUids.current.set(file.response.id, file.uid);
      setPending(withoutFile);
      onChange?.([...stored, file.response]);
    } else {
      setPending((items) =>
        items.some((item) => item.uid === file.uid)
          ? items.map((item) => (item.uid === file.uid ? file : item))
          : [...items, file],
      );
    }
  };

  const full = maxFiles !== undefined && stored.length + pending.length >= maxFiles;
  return (
    <Upload<StoredFile>
      id={id}
      name="file"
      action={FILES_URL}
      headers={authHeaders()}
      fileList={[...stored.map(toUploadFile), ...pending]}
      onChange={handleChange}
      onPreview={download}
    >
      {full ? null : (
        <Button icon={<UploadOutlined />} {...aria}>
          {t("upload")}
        </Button>
      )}
    </Upload>
  );
}

export const attachment: FieldRenderer = {
  Input: AttachmentInput,
  display: (value) => (
    <Space wrap size={4}>
      {toStoredFiles(value).map((file) => (
        <FileLink key={file.id} file={file} />
      ))}
    </Space>
  ),
};
