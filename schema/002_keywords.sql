-- Format 2: keyword search. An FTS5 index over caption text (Porter stemming on Unicode
-- words), holding no copy of the text (external content: captions), kept current in the
-- same transactions as the captions. Its rowid is the caption id. A writer indexes the
-- captions it adds with one statement per transaction (Tables::index_keywords_from: a
-- trigger per row cost 10-15% of an import); removals go through the triggers below.
CREATE VIRTUAL TABLE captions_fts USING fts5(
  text, content = 'captions', content_rowid = 'id', tokenize = 'porter unicode61');

CREATE TRIGGER captions_fts_delete AFTER DELETE ON captions BEGIN
  INSERT INTO captions_fts(captions_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
-- Caption text never changes (new text is a new row); a changed position needs nothing.
CREATE TRIGGER captions_fts_update AFTER UPDATE OF text ON captions BEGIN
  INSERT INTO captions_fts(captions_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO captions_fts(rowid, text) VALUES (new.id, new.text);
END;

-- Index the captions of a catalogue written in format 1.
INSERT INTO captions_fts(captions_fts) VALUES ('rebuild');
