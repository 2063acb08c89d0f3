-- Format 3: pixels. In a catalogue whose embedder embeds images (CLIP), an image may have
-- one more caption row whose vector embeds its picture's pixels: its text is empty (no
-- caption may be; the keyword index holds it as a row without words), its pos is -1, and
-- this table names the file it was embedded from.
CREATE TABLE pictures (
  caption_id INTEGER PRIMARY KEY REFERENCES captions(id) ON DELETE CASCADE,
  file       TEXT NOT NULL,  -- as given when the image was put
  checksum   TEXT NOT NULL   -- XXH3-128 of the file's bytes then, 32 hex digits
);
