// birrd: pipelined BIRRD reorder-in-reduction network.
//
// STAGES stages of AW/2 egg 2x2 switches. Switch i of a stage reads the stage
// input ports 2i (lo) and 2i+1 (hi) and drives the stage output ports 2i and
// 2i+1. Every stage registers its outputs (latency = STAGES cycles). Output
// port p of stage s feeds input port link(s, p) of stage s+1; the last stage
// drives data_o/valid_o directly.
//
// The complete configuration (the commands of all stages) and the output mask
// are presented together with their data wave at the input and travel with it
// through the pipeline, so a new configuration can be applied every cycle.
//
// Port layout:
//   data_i/data_o : lane l at [l*DW +: DW]
//   cmd_i         : stage s, switch i at [(s*(AW/2)+i)*2 +: 2] (egg command)
//   mask_i        : output lanes that carry results of this wave;
//                   valid_o = last-stage valid & mask
//
// Wiring (L = log2(AW), T = STAGES):
//   WIRING 0 (published FEATHER): g = min(s+2, L, T-s); link(s, p) is p with
//            its low g bits reversed (upper bits kept).
//   WIRING 1 (Benes, default): b(k) = m < L ? m : 2L-2-m, m = k mod (2L-2)
//            (0,1,..,L-1,L-2,..,1,0,1,..); sb(x, b) exchanges bits 0 and b of
//            x; link(s, p) = sb(sb(p, b(s)), b(s+1)).
//
// Illegal parameters stop elaboration by instantiating a module that does not
// exist and whose name states the problem (birrd_error_*). This is the only
// elaboration-time error mechanism that Verilator, Icarus 11 and Yosys 0.23
// all honour (Icarus 11 rejects $error/$fatal as module items).
//
// Parameters are declared `int` rather than `int unsigned`: Icarus 11 rejects
// `parameter int unsigned`. The legality checks below reject values < 1.

module birrd #(
  parameter int AW     = 16,  // lanes, power of two, >= 4
  parameter int DW     = 32,  // data width, >= 1
  parameter int WIRING = 1,   // 0 = published FEATHER wiring, 1 = Benes
  parameter int STAGES = feather_pkg::birrd_stages(AW, WIRING)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic [AW*DW-1:0]     data_i,
  input  logic [AW-1:0]        valid_i,
  input  logic [STAGES*AW-1:0] cmd_i,
  input  logic [AW-1:0]        mask_i,
  output logic [AW*DW-1:0]     data_o,
  output logic [AW-1:0]        valid_o
);

  ///////////////////////////
  // Parameter legality    //
  ///////////////////////////

  localparam bit AwPow2   = (AW > 0) && ((AW & (AW - 1)) == 0);
  localparam bit AwMin    = (AW >= 4);
  localparam bit DwOk     = (DW >= 1);
  localparam bit WiringOk = (WIRING == 0) || (WIRING == 1);
  localparam bit StagesOk = (STAGES >= 1);
  localparam bit ParamsOk = AwPow2 && AwMin && DwOk && WiringOk && StagesOk;

  if (!AwPow2) begin : g_err_aw_pow2
    birrd_error_AW_must_be_a_power_of_two u_err ();
  end
  if (!AwMin) begin : g_err_aw_min
    birrd_error_AW_must_be_at_least_4 u_err ();
  end
  if (!DwOk) begin : g_err_dw
    birrd_error_DW_must_be_at_least_1 u_err ();
  end
  if (!WiringOk) begin : g_err_wiring
    birrd_error_WIRING_must_be_0_or_1 u_err ();
  end
  if (!StagesOk) begin : g_err_stages
    birrd_error_STAGES_must_be_at_least_1 u_err ();
  end

  // With illegal parameters no stage is built, so the birrd_error_* instance
  // above is the only error reported.
  localparam int L = $clog2(AW);
  localparam int T = ParamsOk ? STAGES : 0;

  ///////////////////////////
  // Inter-stage wiring    //
  ///////////////////////////

  // The three wiring functions are constant functions: they are evaluated only at elaboration
  // (genvar arguments), so simulation never executes their lines and Verilator's line and branch
  // coverage would count them as never hit. They are excluded from coverage (docs/coverage.md).
  /* verilator coverage_off */
  // Bit of the Benes bouncing sequence 0,1,..,l-1,l-2,..,1,0,1,.. at index k (l >= 2).
  function automatic int unsigned benes_bit(input int unsigned l, input int unsigned k);
    int unsigned m;
    m = k % (2 * l - 2);
    benes_bit = (m < l) ? m : (2 * l - 2 - m);
  endfunction

  // x with bit 0 and bit b exchanged (identity for b = 0).
  function automatic int unsigned swap_bit0(input int unsigned x, input int unsigned b);
    int unsigned bit0;
    int unsigned bitb;
    bit0 = x & 1;
    bitb = (x >> b) & 1;
    swap_bit0 = x;
    if (bit0 != bitb) begin
      swap_bit0 = x ^ (1 | (1 << b));
    end
  endfunction

  // Stage input port of stage s+1 fed by output port p of stage s.
  function automatic int unsigned link(input int unsigned wiring, input int unsigned l,
                                       input int unsigned t, input int unsigned s,
                                       input int unsigned p);
    int unsigned g;
    int unsigned r;
    // Loop variable declared here, not in the for header: Icarus 11 then
    // silently breaks hierarchical reads of g_stage[..] arrays elsewhere in
    // the module (they read X).
    int k;
    if (wiring == 0) begin
      // g = min(s+2, l, t-s); reverse the low g bits of p.
      g = s + 2;
      if (l < g) begin
        g = l;
      end
      if (t - s < g) begin
        g = t - s;
      end
      r = (p >> g) << g;
      for (k = 0; k < 32; k++) begin
        if ((k < g) && (((p >> k) & 1) != 0)) begin
          r = r | (1 << (g - 1 - k));
        end
      end
      link = r;
    end else begin
      link = swap_bit0(swap_bit0(p, benes_bit(l, s)), benes_bit(l, s + 1));
    end
  endfunction
  /* verilator coverage_on */

  ///////////////////////////
  // Stages                //
  ///////////////////////////

  for (genvar s = 0; s < T; s++) begin : g_stage
    // Commands of stages s..T-1 (this stage's commands at bit 0).
    logic [(T-s)*AW-1:0] cmd_in;
    logic [AW-1:0]       cmd;
    // (* mem2reg *) tells Yosys up front that an array is a set of wires or
    // registers, not a RAM (it would convert it anyway, with a warning per
    // array and stage); Verilator and Icarus ignore the attribute.
    //
    // Stage inputs, after the wiring from the previous stage.
    (* mem2reg *)
    logic [DW-1:0]       in_data [AW];
    logic [AW-1:0]       in_valid;
    logic [AW-1:0]       mask_in;
    // Switch outputs.
    (* mem2reg *)
    logic [DW-1:0]       sw_data [AW];
    logic [AW-1:0]       sw_valid;
    // Stage output registers (port p = output port p of this stage, before wiring).
    (* mem2reg *)
    logic [DW-1:0]       data_q [AW] /* verilator public_flat_rd */;
    logic [AW-1:0]       valid_q /* verilator public_flat_rd */;
    logic [AW-1:0]       mask_q;

    if (s == 0) begin : g_in
      for (genvar p = 0; p < AW; p++) begin : g_port
        assign in_data[p] = data_i[p*DW +: DW];
      end
      assign in_valid = valid_i;
      assign mask_in  = mask_i;
      assign cmd_in   = cmd_i;
    end else begin : g_in
      for (genvar p = 0; p < AW; p++) begin : g_port
        // Input port of this stage fed by output port p of the previous one
        // (a localparam, so every tool folds link() at elaboration).
        localparam int Dst = link(WIRING, L, T, s - 1, p);
        assign in_data[Dst]  = g_stage[s-1].data_q[p];
        assign in_valid[Dst] = g_stage[s-1].valid_q[p];
      end
      assign mask_in = g_stage[s-1].mask_q;
      assign cmd_in  = g_stage[s-1].g_fwd.cmd_q;
    end

    assign cmd = cmd_in[0 +: AW];

    for (genvar i = 0; i < AW / 2; i++) begin : g_sw
      egg #(
        .DW(DW)
      ) u_egg (
        .cmd_i     (cmd[2*i +: 2]),
        .lo_i      (in_data[2*i]),
        .hi_i      (in_data[2*i+1]),
        .lo_valid_i(in_valid[2*i]),
        .hi_valid_i(in_valid[2*i+1]),
        .lo_o      (sw_data[2*i]),
        .hi_o      (sw_data[2*i+1]),
        .lo_valid_o(sw_valid[2*i]),
        .hi_valid_o(sw_valid[2*i+1])
      );
    end

    // One process per port: Verilator cannot schedule non-blocking writes to
    // array elements inside a for loop it does not unroll (AW > 64).
    for (genvar p = 0; p < AW; p++) begin : g_reg
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          data_q[p] <= '0;
        end else begin
          data_q[p] <= sw_data[p];
        end
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        valid_q <= '0;
        mask_q  <= '0;
      end else begin
        valid_q <= sw_valid;
        mask_q  <= mask_in;
      end
    end

    // Commands of the stages s+1..T-1 travel with the wave (stage s+1 at bit 0).
    // The last stage has none; a generate scope is needed so that cmd_q exists
    // only where its width is positive.
    if (s < T - 1) begin : g_fwd
      logic [(T-1-s)*AW-1:0] cmd_q;

      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          cmd_q <= '0;
        end else begin
          cmd_q <= cmd_in[(T-s)*AW-1:AW];
        end
      end
    end
  end

  ///////////////////////////
  // Outputs               //
  ///////////////////////////

  if (ParamsOk) begin : g_out
    for (genvar p = 0; p < AW; p++) begin : g_lane
      assign data_o[p*DW +: DW] = g_stage[T-1].data_q[p];
    end
    assign valid_o = g_stage[T-1].valid_q & g_stage[T-1].mask_q;
  end else begin : g_out_tie
    assign data_o  = '0;
    assign valid_o = '0;
  end

endmodule
