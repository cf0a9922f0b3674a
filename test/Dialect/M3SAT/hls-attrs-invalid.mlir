// RUN: m3sat-opt %s --split-input-file --verify-diagnostics

// The m3sat dialect verifies every m3sat.hls.* attribute: a known name, a
// value of its kind and the op or argument it belongs on. (Each case holds
// an m3sat attribute, so that the dialect is loaded when it is parsed.)

func.func @unknown(%a: memref<8xf32>) {
  // expected-error @+1 {{'memref.alloc' op has unknown HLS attribute 'm3sat.hls.bogus'}}
  %b = memref.alloc() {m3sat.hls.bogus = #m3sat.hls_channel<fifo>} : memref<8xf32>
  return
}

// -----

func.func @wrong_host(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{'scf.for' op cannot carry 'm3sat.hls.partition': it belongs on a memref.alloc or memref.alloca}}
  scf.for %i = %c0 to %n step %c1 {
  } {m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 2>}
  return
}

// -----

func.func @unit_on_wrong_op() {
  // expected-error @+1 {{'memref.alloc' op cannot carry 'm3sat.hls.dataflow': it belongs on a func.func}}
  %b = memref.alloc() {m3sat.hls.dataflow, m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 2>} : memref<8xf32>
  return
}

// -----

func.func @non_positive_unroll(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 2>} : memref<8xf32>
  // expected-error @+1 {{'scf.for' op 'm3sat.hls.unroll' must be a positive i64, not 0 : i64}}
  scf.for %i = %c0 to %n step %c1 {
  } {m3sat.hls.unroll = 0 : i64}
  return
}

// -----

func.func @string_trip_count(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{'scf.for' op 'm3sat.hls.max_trip_count' must be a non-negative i64, not #m3sat.hls_channel<fifo>}}
  scf.for %i = %c0 to %n step %c1 {
  } {m3sat.hls.max_trip_count = #m3sat.hls_channel<fifo>}
  return
}

// -----

func.func @wrong_structured_value() {
  // expected-error @+1 {{'memref.alloc' op 'm3sat.hls.partition' must be #m3sat.hls_partition, not #m3sat.hls_channel<pipo>}}
  %b = memref.alloc() {m3sat.hls.partition = #m3sat.hls_channel<pipo>} : memref<8xf32>
  return
}

// -----

func.func @partition_rank() {
  // expected-error @+1 {{'memref.alloc' op 'm3sat.hls.partition' partitions dimension 3 of an array of rank 2}}
  %b = memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 3, factor = 2>} : memref<4x8xf32>
  return
}

// -----

func.func @partition_factor() {
  // expected-error @+1 {{'memref.alloc' op 'm3sat.hls.partition' splits dimension 1 of size 4 into 8 banks}}
  %b = memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 8>} : memref<4x8xf32>
  return
}

// -----

func.func @partition_dim_zero() {
  // expected-error @+1 {{partitioned dimension 0 is not 1-based}}
  %b = memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 0, factor = 2>} : memref<4x8xf32>
  return
}

// -----

func.func @partition_one_bank() {
  // expected-error @+1 {{partition factor 1 is less than 2 banks}}
  %b = memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 1>} : memref<4x8xf32>
  return
}

// -----

func.func @stream_of_missing_argument(%w: memref<2x8xf32>) {
  // expected-error @+1 {{'memref.alloc' op 'm3sat.hls.stream_of' names argument 1 of a function with 1}}
  %b = memref.alloc() {m3sat.hls.stream_of = 1 : i64, m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 2>} : memref<8xf32>
  return
}

// -----

func.func @argument_kind_on_allocation() {
  // expected-error @+1 {{'memref.alloc' op 'm3sat.hls.channel' of an allocation is fifo or pipo, not fifo_in}}
  %b = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>} : memref<8xf32>
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0: 'm3sat.hls.channel' of a stage argument is fifo_in, fifo_out, pipo_in or pipo_out, not fifo}}
func.func private @allocation_kind_on_argument(%a: memref<8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 1: unknown HLS attribute 'm3sat.hls.bogus'}}
func.func @unknown_argument_attribute(%a: memref<8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}, %b: memref<8xf32> {m3sat.hls.bogus}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument 0: 'm3sat.hls.unroll' belongs on an scf.for}}
func.func @loop_attribute_on_argument(%a: memref<8xf32> {m3sat.hls.unroll = 2 : i64, m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op result 0: 'm3sat.hls.weight' belongs on a function argument}}
func.func @weight_on_result(%a: tensor<8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}) -> (tensor<8xf32> {m3sat.hls.weight}) {
  return %a : tensor<8xf32>
}

// -----

// expected-error @+1 {{'func.func' op argument 0: 'm3sat.hls.port' must be a non-empty string, not ""}}
func.func @empty_port(%a: memref<8xf32> {m3sat.hls.port = "", m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}) {
  return
}

// -----

func.func private @unit(memref<8xf32>)

func.func @linear_trips(%a: memref<8xf32>) {
  // expected-error @+1 {{linear unit trip counts must be positive, not m = 0, n = 8, k = 16}}
  call @unit(%a) {m3sat.hls.linear_trips = #m3sat.hls_linear_trips<m = 0, n = 8, k = 16>} : (memref<8xf32>) -> ()
  return
}

// -----

func.func private @unit(memref<8xf32>)

func.func @linear_trips_on_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{'scf.for' op cannot carry 'm3sat.hls.linear_trips': it belongs on a func.call}}
  scf.for %i = %c0 to %n step %c1 {
  } {m3sat.hls.linear_trips = #m3sat.hls_linear_trips<m = 4, n = 8, k = 16>}
  return
}

// -----

// Well-formed attributes verify.
func.func private @stage(%in: memref<8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}, %w: memref<8xf32> {m3sat.hls.port = "w", m3sat.hls.bundle = "gmem_w", m3sat.hls.weight}) attributes {m3sat.hls.shared_layer} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %c1 = arith.constant 1 : index
  %b = memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 4>, m3sat.hls.stream_of = 1 : i64} : memref<8xf32>
  %f = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>, m3sat.hls.fifo_depth = 2 : i64} : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
  } {m3sat.hls.pipeline_ii = 1 : i64, m3sat.hls.unroll = 4 : i64, m3sat.hls.max_trip_count = 8 : i64, m3sat.hls.independent, m3sat.hls.token_tiles = 2 : i64, m3sat.hls.expert_schedule}
  return
}
