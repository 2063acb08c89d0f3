-- Format 4: the change log is trimmed. Once a snapshot is recorded, the changes up to the
-- snapshot before it are deleted and meta 'log_trimmed_through' says up to which seq: a
-- process whose graph is older than that reloads the snapshot (or reads every caption)
-- instead of replaying them. Builds before this format would replay a log with a hole,
-- so they refuse the file. Catalogues of format 3 are never trimmed and read as they are.
INSERT OR IGNORE INTO meta(key, value) VALUES ('log_trimmed_through', '0');
