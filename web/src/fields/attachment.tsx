import { PlusOutlined, UploadOutlined } from "@ant-design/icons";
import { App, Button, Image, Space, Typography, Upload } from "antd";
import type { UploadChangeParam, UploadFile } from "antd/es/upload/interface";
import { useEffect, useRef, useState } from "react";
import { authHeaders, downloadFile, fileLink, FILES_URL } from "../api/client";
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
  return (file: { id?: StoredFile["id"]; name: string }) => {
    if (file.id !== undefined) downloadFile(file.id, file.name).catch((error: Error) => message.error(error.message));
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
 * Signed URLs of files by id, for <img src> (which cannot send the bearer
 * token): asked once each from `GET /api/files/{id}`, which answers only if
 * the user may read the file. The URLs expire after a few minutes; an image
 * already shown stays, and a download always asks for a fresh one.
 */
function useSignedUrls(ids: StoredFile["id"][]): Record<string, string> {
  const [loaded, setLoaded] = useState<Record<string, string>>({});
  const started = useRef(new Set<string>());
  const mounted = useRef(false);
  const key = ids.join("\n");

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    for (const id of ids.map(String)) {
      if (started.current.has(id)) continue;
      started.current.add(id);
      fileLink(id)
        .then((link) => {
          if (mounted.current) setLoaded((current) => ({ ...current, [id]: link.url }));
        })
        .catch(() => started.current.delete(id));
    }
    // `key` stands for the list: a new array naming the same files fetches nothing.
  }, [key]);

  return loaded;
}

type Kind = "file" | "image";

/**
 * The form value holds the uploaded files; files still uploading (or failed)
 * live only here until the server answers with their stored description.
 */
function FilesInput({ field, value, onChange, disabled, id, kind, ...aria }: FieldInputProps & { kind: Kind }) {
  const { t } = useI18n();
  const download = useDownload();
  const stored = toStoredFiles(value);
  const thumbnails = useSignedUrls(kind === "image" ? stored.map((file) => file.id) : []);
  const [pending, setPending] = useState<UploadFile<StoredFile>[]>([]);
  // A file keeps the uid it was uploaded under, so the list shows one item going from uploading to done.
  const uploadUids = useRef(new Map<StoredFile["id"], string>());
  const uidOf = (file: StoredFile) => uploadUids.current.get(file.id) ?? `stored-${file.id}`;
  // An image's tile shows its signed URL: the file's own URL needs the bearer token an <img> cannot send.
  const toUploadFile = (file: StoredFile): UploadFile<StoredFile> => ({
    uid: uidOf(file),
    name: file.name,
    status: "done",
    url: kind === "image" ? thumbnails[String(file.id)] : undefined,
    thumbUrl: thumbnails[String(file.id)],
    response: file,
  });
  const maxFiles = field.max_files;
  const accept = field.accept?.length ? field.accept.join(",") : kind === "image" ? "image/*" : undefined;

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

  const full = disabled || (maxFiles !== undefined && stored.length + pending.length >= maxFiles);
  const trigger =
    kind === "image" ? (
      <button type="button" className="fw-upload-tile" {...aria}>
        <PlusOutlined />
        <div>{t("upload")}</div>
      </button>
    ) : (
      <Button icon={<UploadOutlined />} {...aria}>
        {t("upload")}
      </Button>
    );
  return (
    <Upload<StoredFile>
      id={id}
      name="file"
      action={FILES_URL}
      headers={authHeaders()}
      accept={accept}
      disabled={disabled}
      listType={kind === "image" ? "picture-card" : "text"}
      fileList={[...stored.map(toUploadFile), ...pending]}
      onChange={handleChange}
      onPreview={(item) => download({ id: item.response?.id, name: item.name })}
    >
      {full ? null : trigger}
    </Upload>
  );
}

function AttachmentInput(props: FieldInputProps) {
  return <FilesInput {...props} kind="file" />;
}

function ImageInput(props: FieldInputProps) {
  return <FilesInput {...props} kind="image" />;
}

function Thumbnails({ files }: { files: StoredFile[] }) {
  const urls = useSignedUrls(files.map((file) => file.id));
  return (
    <Space wrap size={4} onClick={(event) => event.stopPropagation()}>
      {files.map((file) =>
        urls[String(file.id)] ? (
          <Image key={file.id} src={urls[String(file.id)]} alt={file.name} width={48} height={48} className="fw-thumb" />
        ) : (
          <FileLink key={file.id} file={file} />
        ),
      )}
    </Space>
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

export const image: FieldRenderer = {
  Input: ImageInput,
  display: (value) => <Thumbnails files={toStoredFiles(value)} />,
};
