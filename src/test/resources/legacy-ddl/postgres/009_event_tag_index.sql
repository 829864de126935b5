-- eventsByTag (every projection, several times a second) joins event_tag to event_journal on event_id = ordering
-- and limits the ordering range; PostgreSQL does not carry that range over the join to event_tag. With an index on
-- (tag, event_id) the prepared statement's generic plan was a merge join reading the tag's index from its FIRST
-- entry on every poll: cost growing with the journal (2.4 ms a poll at 32,000 events, a third of PostgreSQL's
-- execution time in the flash-sale benchmark). Without it the plan walks the ordering range and probes the
-- primary key (event_id, tag): 0.5-0.7 ms at the same size, and proportional to the new events, not the history.
-- Databases created before this rule had that index (001 made it): drop it. Idempotent.
DROP INDEX IF EXISTS event_tag_tag_event_id_idx;
