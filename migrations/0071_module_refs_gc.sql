-- Which versions reference which module bodies, kept by triggers so every writer (the coordinator's commit,
-- retention's pruning) keeps it right without knowing of it. The integrity check walks it; the garbage
-- collector asks it whether a body is referenced (docs/storage-layout.md "Garbage collection").
CREATE TABLE module_refs (
  version_id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  worker TEXT NOT NULL,
  PRIMARY KEY (version_id, sha256)
);

CREATE INDEX module_refs_by_sha256 ON module_refs (sha256, worker);

CREATE TRIGGER versions_reference_modules AFTER INSERT ON versions
BEGIN
  INSERT OR IGNORE INTO module_refs (version_id, sha256, worker)
  SELECT NEW.id, json_extract(m.value, '$.sha256'), NEW.worker FROM json_each(NEW.modules) AS m;
END;

CREATE TRIGGER versions_release_modules AFTER DELETE ON versions
BEGIN
  DELETE FROM module_refs WHERE version_id = OLD.id;
END;

INSERT OR IGNORE INTO module_refs (version_id, sha256, worker)
SELECT v.id, json_extract(m.value, '$.sha256'), v.worker FROM versions AS v, json_each(v.modules) AS m;

-- An upload pins the bodies it is about to rely on before it writes them to R2; the collector never condemns
-- a body with a live pin. One row per body: the latest pin.
CREATE TABLE module_pins (
  sha256 TEXT PRIMARY KEY,
  pinned_on TEXT NOT NULL
);

-- The collector's marks: a body seen unreferenced (since when), and, once condemned, when. A condemned body
-- is being deleted from R2: no upload may pin it until the collector has deleted it and removed the row.
CREATE TABLE module_gc (
  sha256 TEXT PRIMARY KEY,
  unreferenced_since TEXT NOT NULL,
  condemned_on TEXT
);

CREATE INDEX module_gc_condemned ON module_gc (condemned_on) WHERE condemned_on IS NOT NULL;
