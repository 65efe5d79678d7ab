//! Tests of the whole pipeline on small schemas.
