//! The {{ context.module }} context: its schemas and the functions that read
//! and change them. Controllers and channels call these functions; they do
//! not write SQL themselves.
