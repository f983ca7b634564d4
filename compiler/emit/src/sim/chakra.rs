//! Chakra execution traces (ASTRA-sim's workload input): the messages of
//! `third_party/astra-sim/et_def.proto` that Fabric writes, as prost types with the same
//! field numbers, and a writer of one trace file (a `GlobalMetadata`, then every `Node`,
//! each prefixed with its length as a varint, as Chakra's `encode_message` writes them).
//! The oneof of `AttributeProto` carries the kinds of value ASTRA-sim's feeder reads.

use prost::Message;
use std::io::{self, Write};

/// `ChakraProtoMsg.GlobalMetadata`.
#[derive(Clone, PartialEq, Message)]
pub struct GlobalMetadata {
    /// Schema version.
    #[prost(string, tag = "1")]
    pub version: String,
    /// Attributes.
    #[prost(message, repeated, tag = "2")]
    pub attr: Vec<AttributeProto>,
}

/// `ChakraProtoMsg.BoolList`.
#[derive(Clone, PartialEq, Message)]
pub struct BoolList {
    /// The values.
    #[prost(bool, repeated, tag = "1")]
    pub values: Vec<bool>,
}

/// `ChakraProtoMsg.AttributeProto`: a named value.
#[derive(Clone, PartialEq, Message)]
pub struct AttributeProto {
    /// Its name (`comm_type`, `comm_size`, `involved_dim`, …).
    #[prost(string, tag = "1")]
    pub name: String,
    /// Its value.
    #[prost(oneof = "Value", tags = "7, 9, 13, 27, 28, 29")]
    pub value: Option<Value>,
}

/// The kinds of attribute value Fabric writes (field numbers as in `et_def.proto`).
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Value {
    /// `int32_val`.
    #[prost(int32, tag = "7")]
    Int32(i32),
    /// `int64_val`.
    #[prost(int64, tag = "9")]
    Int64(i64),
    /// `uint64_val`.
    #[prost(uint64, tag = "13")]
    Uint64(u64),
    /// `bool_val`.
    #[prost(bool, tag = "27")]
    Bool(bool),
    /// `bool_list`.
    #[prost(message, tag = "28")]
    BoolList(BoolList),
    /// `string_val`.
    #[prost(string, tag = "29")]
    String(String),
}

/// `ChakraProtoMsg.NodeType`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(i32)]
pub enum NodeType {
    /// Computation.
    Comp = 4,
    /// Point-to-point send.
    CommSend = 5,
    /// Point-to-point receive.
    CommRecv = 6,
    /// A collective.
    CommColl = 7,
}

/// `ChakraProtoMsg.CollectiveCommType`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(i64)]
pub enum Collective {
    /// All-reduce.
    AllReduce = 0,
    /// All-gather.
    AllGather = 2,
    /// All-to-all.
    AllToAll = 6,
    /// Reduce-scatter.
    ReduceScatter = 7,
}

/// `ChakraProtoMsg.Node`.
#[derive(Clone, PartialEq, Message)]
pub struct Node {
    /// Its id, unique in its trace.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// Its name.
    #[prost(string, tag = "2")]
    pub name: String,
    /// Its [`NodeType`].
    #[prost(int32, tag = "3")]
    pub r#type: i32,
    /// Nodes that must finish first (control).
    #[prost(uint64, repeated, tag = "4")]
    pub ctrl_deps: Vec<u64>,
    /// Nodes whose data it needs.
    #[prost(uint64, repeated, tag = "5")]
    pub data_deps: Vec<u64>,
    /// Its duration in microseconds (what ASTRA-sim replays for a computation).
    #[prost(uint64, tag = "7")]
    pub duration_micros: u64,
    /// Its attributes.
    #[prost(message, repeated, tag = "10")]
    pub attr: Vec<AttributeProto>,
}

/// A named attribute.
pub fn attr(name: &str, value: Value) -> AttributeProto {
    AttributeProto { name: name.to_string(), value: Some(value) }
}

impl Node {
    /// A computation of `micros` microseconds on the GPU, after `deps`.
    pub fn compute(id: u64, name: &str, micros: u64, deps: Vec<u64>) -> Node {
        Node {
            id,
            name: name.to_string(),
            r#type: NodeType::Comp as i32,
            ctrl_deps: Vec::new(),
            data_deps: deps,
            duration_micros: micros.max(1),
            attr: vec![attr("is_cpu_op", Value::Bool(false))],
        }
    }

    /// A collective of `bytes` over the dimensions `involved` marks, after `deps`.
    pub fn collective(id: u64, name: &str, kind: Collective, bytes: u64, involved: Vec<bool>, deps: Vec<u64>) -> Node {
        Node {
            id,
            name: name.to_string(),
            r#type: NodeType::CommColl as i32,
            ctrl_deps: Vec::new(),
            data_deps: deps,
            duration_micros: 0,
            attr: vec![
                attr("is_cpu_op", Value::Bool(false)),
                attr("comm_type", Value::Int64(kind as i64)),
                attr("comm_size", Value::Int64(bytes as i64)),
                attr("involved_dim", Value::BoolList(BoolList { values: involved })),
            ],
        }
    }
}

/// Writes one NPU's trace: the metadata, then each node, length-delimited.
pub fn write_trace(out: &mut dyn Write, nodes: &[Node]) -> io::Result<()> {
    let mut buf = Vec::new();
    GlobalMetadata { version: "0.0.4".to_string(), attr: Vec::new() }.encode_length_delimited(&mut buf).map_err(io::Error::other)?;
    for node in nodes {
        node.encode_length_delimited(&mut buf).map_err(io::Error::other)?;
    }
    out.write_all(&buf)
}

impl Node {
    /// A point-to-point send of `bytes` from `src` to `dst` (ranks), matched by `tag`.
    pub fn send(id: u64, name: &str, src: u32, dst: u32, tag: i32, bytes: u64, deps: Vec<u64>) -> Node {
        Node::point_to_point(NodeType::CommSend, id, name, src, dst, tag, bytes, deps)
    }

    /// The receive matching [`Node::send`].
    pub fn recv(id: u64, name: &str, src: u32, dst: u32, tag: i32, bytes: u64, deps: Vec<u64>) -> Node {
        Node::point_to_point(NodeType::CommRecv, id, name, src, dst, tag, bytes, deps)
    }

    #[allow(clippy::too_many_arguments)]
    fn point_to_point(kind: NodeType, id: u64, name: &str, src: u32, dst: u32, tag: i32, bytes: u64, deps: Vec<u64>) -> Node {
        Node {
            id,
            name: name.to_string(),
            r#type: kind as i32,
            ctrl_deps: Vec::new(),
            data_deps: deps,
            duration_micros: 0,
            attr: vec![
                attr("is_cpu_op", Value::Bool(false)),
                attr("comm_src", Value::Int32(src as i32)),
                attr("comm_dst", Value::Int32(dst as i32)),
                attr("comm_tag", Value::Int32(tag)),
                attr("comm_size", Value::Int64(bytes as i64)),
            ],
        }
    }
}
