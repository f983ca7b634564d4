//! The diagnostics of training jobs, one method per finding (codes E1001–E1005, W1001).

use super::model::{TrainHardware, TrainLayout, TrainMemory, TrainModel, TrainRun, TrainStep};
use super::{ASSUMED, Job, bytes, layout_text, t};
use crate::check::figures::TrainingEstimate;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::resolve::DeclId;
use crate::units::{Dim, format_quantity, group_thousands};

fn count(n: u64) -> String {
    group_thousands(u128::from(n))
}

fn memory_note(m: &TrainMemory) -> String {
    format!(
        "per GPU: weights {} + gradients {} + optimizer state {} + activations {} = {}; usable {}",
        bytes(m.weights),
        bytes(m.gradients),
        bytes(m.optimizer),
        bytes(m.activations),
        bytes(m.total),
        bytes(m.usable)
    )
}

impl Job<'_> {
    fn name_label(&self, message: impl Into<String>) -> Label {
        let d = self.program.decl(self.decl);
        Label::new(d.file, d.name_span, message)
    }

    /// E1004: the placement holds fewer GPUs than `gpus`.
    pub(super) fn placement_too_small(&self, gpus: u64) -> Diagnostic {
        let placed = self.gpus.len() as u64;
        Diagnostic::error(
            codes::E1004,
            format!("training `{}` asks for {} GPUs; its placement holds {}", self.name, count(gpus), count(placed)),
            self.label(self.decl, "placement", format!("{} GPUs here", count(placed))),
        )
        .with_label(self.label(self.decl, "gpus", "asked here"))
        .with_path(self.name.clone())
        .with_help(if placed > 0 {
            format!("place the job on a larger part of the plant, or use gpus = {}", count(placed))
        } else {
            "place the job on a part of the plant that holds GPUs".to_string()
        })
    }

    /// W1001: a figure the model needs is missing.
    pub(super) fn incomplete(&self, missing: &[String]) -> Diagnostic {
        Diagnostic::warning(
            codes::W1001,
            format!("training `{}` is not estimated: figures are missing", self.name),
            self.name_label("not estimated"),
        )
        .with_note(format!("missing: {}", missing.join(", ")))
        .with_note("the memory fit, step time, MFU and time to train need every one of them (docs/training-model.md)")
        .with_path(self.name.clone())
        .with_help("set the missing figures, or use the model and GPU entries of the standard library")
    }

    /// E1004: the written layout does not split the job's GPUs as [`super::model::layout_problem`] says.
    pub(super) fn bad_layout(&self, l: &TrainLayout, at: DeclId, gpus: u64, problem: &str) -> Diagnostic {
        let d = self.program.decl(at);
        let others = u64::from(l.tp) * u64::from(l.pp) * u64::from(l.cp);
        let help = if l.gpus() != gpus {
            match gpus.checked_div(others) {
                Some(dp) if dp > 0 && dp * others == gpus => format!("use dp = {dp}, or set gpus = {}", count(l.gpus())),
                _ => format!("choose degrees whose product is {}, or set gpus = {}", count(gpus), count(l.gpus())),
            }
        } else {
            "leave `parallelism` out and the compiler picks the fastest layout that fits (docs/training-model.md)".to_string()
        };
        Diagnostic::error(codes::E1004, format!("training `{}`: {problem}", self.name), Label::new(d.file, d.name_span, "this layout"))
            .with_label(self.label(self.decl, "gpus", "the job's GPUs"))
            .with_note("tp × pp × dp × cp must be the job's GPUs, tp stay inside an NVLink domain, ep divide dp and the experts, pp × vp not exceed the layers, and dp divide the global batch")
            .with_path(self.name.clone())
            .with_help(help)
    }

    /// E1004: no layout of the job's GPUs gives every data-parallel rank whole sequences.
    pub(super) fn no_layout(&self, gpus: u64, global_batch: f64) -> Diagnostic {
        Diagnostic::error(
            codes::E1004,
            format!("training `{}`: no layout of {} GPUs splits a global batch of {global_batch} sequences evenly", self.name, count(gpus)),
            self.label(self.decl, "global_batch", "this batch"),
        )
        .with_label(self.label(self.decl, "gpus", "these GPUs"))
        .with_note("the compiler tries tensor parallelism up to the NVLink domain and pipelines up to 128 stages; the data-parallel ranks left must divide the global batch")
        .with_path(self.name.clone())
        .with_help("use a global batch with more factors of two, or write `parallelism` yourself")
    }

    /// E1001: the model's state and activations exceed a GPU's memory at `layout`.
    pub(super) fn does_not_fit(
        &self,
        model: &TrainModel,
        layout: &TrainLayout,
        run: &TrainRun,
        hw: &TrainHardware,
        fits: Option<TrainLayout>,
    ) -> Diagnostic {
        let m = super::model::memory(model, layout, run, hw);
        let at = match self.asked_layout() {
            Some((_, p)) => Label::new(self.program.decl(p).file, self.program.decl(p).name_span, "this layout"),
            None => self.name_label("no layout of its GPUs fits"),
        };
        let help = match fits {
            Some(l) => format!("use `parallelism {{ {} }}`, the fastest layout that fits", layout_text(&l)),
            None => {
                let mut ways = vec!["add GPUs".to_string()];
                if layout.dp > 1 && run.zero < 3 {
                    ways.push(format!("raise `zero` (now {}) to shard more state over the {} data-parallel ranks", run.zero, layout.dp));
                }
                if m.recomputed < 1.0 && run.recompute != super::model::Recompute::None {
                    ways.push("use `recompute = auto` or `full`".to_string());
                }
                if run.recompute == super::model::Recompute::None {
                    ways.push("recompute activations (`recompute = auto`)".to_string());
                }
                ways.push("use more pipeline or tensor parallelism".to_string());
                ways.join(", ")
            }
        };
        Diagnostic::error(
            codes::E1001,
            format!(
                "training `{}` needs {} per GPU at `{}`; a GPU has {} usable",
                self.name,
                bytes(m.total),
                layout_text(layout),
                bytes(m.usable)
            ),
            at,
        )
        .with_label(self.label(self.decl, "model", "this model"))
        .with_note(memory_note(&m))
        .with_note(ASSUMED)
        .with_path(self.name.clone())
        .with_help(help)
    }

    /// E1003: the gradients crossing the campus link each step take longer than the step's
    /// computation, so the link, not the GPUs, sets the pace.
    pub(super) fn campus_too_thin(&self, step: &TrainStep, hw: &TrainHardware) -> Diagnostic {
        let crossing = step.cross_building_bytes / hw.campus_bw;
        Diagnostic::error(
            codes::E1003,
            format!(
                "training `{}` spans {} buildings: its gradients take {} a step over the campus link, longer than the step's {} of computation",
                self.name,
                hw.buildings,
                t(crossing),
                t(step.compute_s)
            ),
            self.label(self.decl, "placement", "placed across buildings"),
        )
        .with_note(format!(
            "each step sends {} across (a hierarchical reduce-scatter and all-gather of the BF16 gradients) over {}",
            bytes(step.cross_building_bytes),
            format_quantity(hw.campus_bw * 8.0, Dim::DATA_RATE)
        ))
        .with_note(format!("the step takes {} instead of {} of computation", t(step.total_s), t(step.compute_s)))
        .with_path(self.name.clone())
        .with_help(format!(
            "place the job in one building, add campus capacity (at least {}), or use a larger global batch",
            format_quantity(step.cross_building_bytes / step.compute_s * 8.0, Dim::DATA_RATE)
        ))
    }

    /// E1005: the job shares GPUs with a service it does not yield to.
    pub(super) fn shares_without_yielding(&self, service: &str, shared: usize) -> Diagnostic {
        Diagnostic::error(
            codes::E1005,
            format!("training `{}` and inference `{service}` share {} GPUs, and the job does not yield to it", self.name, shared),
            self.label(self.decl, "placement", "placed here"),
        )
        .with_note("two workloads on one GPU without a yield order would evict each other")
        .with_path(self.name.clone())
        .with_help(format!("add `yields_to = [{service}]` to lend the service the GPUs at its peak, or place the two apart"))
    }

    /// E1005: two training jobs take the same GPUs (neither can lend to the other).
    pub(super) fn shares_with_training(&self, other: &str, shared: usize) -> Diagnostic {
        Diagnostic::error(
            codes::E1005,
            format!("training `{}` and training `{other}` share {shared} GPUs", self.name),
            self.label(self.decl, "placement", "placed here"),
        )
        .with_note("each job takes the first `gpus` GPUs of its placement; only inference services can take GPUs back from a job")
        .with_path(self.name.clone())
        .with_help("place the jobs on different parts of the plant")
    }

    /// E1005: at the peak of the services the job yields to, its guaranteed GPUs hold less
    /// than one copy of the model (`copy` = tp × pp × cp GPUs), so the job would stop.
    pub(super) fn no_room_beside_services(&self, out: &TrainingEstimate, copy: u64) -> Diagnostic {
        Diagnostic::error(
            codes::E1005,
            format!(
                "training `{}` keeps {} GPUs when the services it yields to peak; one copy of its model needs {}",
                self.name,
                count(out.guaranteed_gpus),
                count(copy)
            ),
            self.label(self.decl, "yields_to", "yields to these"),
        )
        .with_note(format!(
            "{} of the job's {} GPUs are borrowed from those services; at their peak it keeps the rest",
            count(out.borrowed_gpus),
            count(out.gpus)
        ))
        .with_path(self.name.clone())
        .with_help("give the job GPUs the services do not use (a larger placement or more `gpus`), or a layout with fewer GPUs per copy")
    }
}
