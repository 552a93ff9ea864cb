// birrd_props: formal properties of the BIRRD network (rtl/birrd.sv), proven
// by verif/formal/prove.sh at small sizes.
//
// Every input is free in every cycle (data, valids, all commands, the mask,
// and the reset). The harness holds an independent model of docs/birrd.md:
// a combinational chain of STAGES switch stages (the documented egg table per
// switch, the documented wiring link(s, p) between stages) applied to the
// wave that enters in cycle t, delayed by STAGES registers (the documented
// latency, cleared by reset like the RTL's). Properties:
//   a_data  : data_o is the model's data of the wave that entered STAGES
//             cycles earlier;
//   a_valid : valid_o is the model's valid AND that wave's mask, so a valid
//             output exists iff the documented function says so (an add's
//             result is valid iff both operands are; a copy left by an add is
//             valid only where the mask marks a result);
//   a_count : a wave whose switches all PASS or SWAP, with the mask all ones,
//             leaves with exactly as many valids as it entered with (none lost
//             or duplicated).
// The state is a feed-forward pipeline on both sides, so k-induction closes
// at depth STAGES + 1 with no strengthening invariant.

module birrd_props #(
  parameter int AW     = 4,
  parameter int DW     = 2,
  parameter int WIRING = 1,
  parameter int COUNT  = 0,  // 0: a_data and a_valid; 1: a_valid and a_count (one SMT problem
                             // with all three is much slower for z3 than the two halves)
  localparam int L     = $clog2(AW),
  localparam int T     = feather_pkg::birrd_stages(AW, WIRING)
) (
  input logic                clk_i,
  input logic                rst_ni,
  input logic [AW*DW-1:0]    data_i,
  input logic [AW-1:0]       valid_i,
  input logic [T*AW-1:0]     cmd_i,
  input logic [AW-1:0]       mask_i
);

  logic [AW*DW-1:0] data_o;
  logic [AW-1:0]    valid_o;

  birrd #(
    .AW    (AW),
    .DW    (DW),
    .WIRING(WIRING)
  ) u_dut (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .data_i (data_i),
    .valid_i(valid_i),
    .cmd_i  (cmd_i),
    .mask_i (mask_i),
    .data_o (data_o),
    .valid_o(valid_o)
  );

  ///////////////////////////
  // Documented wiring     //
  ///////////////////////////

  // Benes: the bit that stage k exchanges with bit 0 (0, 1, .., L-1, .., 1, 0, 1, ..).
  function automatic int bounce(input int k);
    int period, m;
    period = 2 * L - 2;
    m      = k % period;
    if (m < L) bounce = m;
    else bounce = period - m;
  endfunction

  // Exchange bits 0 and b of x.
  function automatic int xchg(input int x, input int b);
    int lo, hb;
    lo = x % 2;
    hb = (x / (1 << b)) % 2;
    xchg = x - lo - hb * (1 << b) + hb + lo * (1 << b);
    if (b == 0) xchg = x;
  endfunction

  // Input port of stage s+1 fed by output port p of stage s.
  function automatic int next_port(input int s, input int p);
    int g, r, k;
    if (WIRING == 1) begin
      next_port = xchg(xchg(p, bounce(s)), bounce(s + 1));
    end else begin
      g = L;
      if (s + 2 < g) g = s + 2;
      if (T - s < g) g = T - s;
      // Reverse the low g bits, keep the others.
      r = p - (p % (1 << g));
      for (k = 0; k < g; k++) begin
        if (((p / (1 << k)) % 2) == 1) r = r + (1 << (g - 1 - k));
      end
      next_port = r;
    end
  endfunction

  ///////////////////////////
  // Model of one wave     //
  ///////////////////////////

  // st_d/st_v: inputs of stage s; sw_d/sw_v: outputs of its switches.
  for (genvar s = 0; s <= T; s++) begin : g_m
    logic [AW*DW-1:0] st_d, sw_d;
    logic [AW-1:0]    st_v, sw_v;
    if (s == 0) begin : g_src
      assign st_d = data_i;
      assign st_v = valid_i;
    end else begin : g_src
      for (genvar p = 0; p < AW; p++) begin : g_port
        localparam int Q = next_port(s - 1, p);
        if (s == T) begin : g_last  // the last stage drives the outputs directly
          assign st_d[p*DW +: DW] = g_m[s-1].sw_d[p*DW +: DW];
          assign st_v[p]          = g_m[s-1].sw_v[p];
        end else begin : g_link
          assign st_d[Q*DW +: DW] = g_m[s-1].sw_d[p*DW +: DW];
          assign st_v[Q]          = g_m[s-1].sw_v[p];
        end
      end
    end
    if (s < T) begin : g_sw
      for (genvar i = 0; i < AW / 2; i++) begin : g_egg
        logic [1:0]    c;
        logic [DW-1:0] a, b;
        logic          va, vb;
        assign c  = cmd_i[(s*(AW/2)+i)*2 +: 2];
        assign a  = st_d[(2*i)*DW +: DW];
        assign b  = st_d[(2*i+1)*DW +: DW];
        assign va = st_v[2*i];
        assign vb = st_v[2*i+1];
        // docs/birrd.md, "The EGG switch".
        always_comb begin
          unique case (c)
            2'b00: begin
              sw_d[(2*i)*DW +: DW] = a;     sw_d[(2*i+1)*DW +: DW] = b;
              sw_v[2*i] = va;               sw_v[2*i+1] = vb;
            end
            2'b01: begin
              sw_d[(2*i)*DW +: DW] = a + b; sw_d[(2*i+1)*DW +: DW] = b;
              sw_v[2*i] = va && vb;         sw_v[2*i+1] = vb;
            end
            2'b10: begin
              sw_d[(2*i)*DW +: DW] = a;     sw_d[(2*i+1)*DW +: DW] = a + b;
              sw_v[2*i] = va;               sw_v[2*i+1] = va && vb;
            end
            default: begin
              sw_d[(2*i)*DW +: DW] = b;     sw_d[(2*i+1)*DW +: DW] = a;
              sw_v[2*i] = vb;               sw_v[2*i+1] = va;
            end
          endcase
        end
      end
    end else begin : g_nosw
      assign sw_d = '0;
      assign sw_v = '0;
    end
  end

  // A wave only routes when no switch adds.
  logic route_only;
  always_comb begin
    route_only = 1'b1;
    for (int j = 0; j < T * AW / 2; j++) begin
      if (cmd_i[2*j +: 2] == 2'b01 || cmd_i[2*j +: 2] == 2'b10) route_only = 1'b0;
    end
  end

  function automatic logic [7:0] ones(input logic [AW-1:0] v);
    int k;
    ones = '0;
    for (k = 0; k < AW; k++) ones = ones + 8'(v[k]);
  endfunction

  ///////////////////////////
  // Latency               //
  ///////////////////////////

  for (genvar s = 0; s < T; s++) begin : g_dly
    logic [AW*DW-1:0] d_q;
    logic [AW-1:0]    v_q;
    logic [AW-1:0]    m_q;
    logic             r_q;      // route-only wave with a full mask
    logic [7:0]       n_q;      // its valids at the input
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        d_q <= '0;
        v_q <= '0;
        m_q <= '0;
        r_q <= 1'b0;
        n_q <= '0;
      end else if (s == 0) begin
        d_q <= g_m[T].st_d;
        v_q <= g_m[T].st_v;
        m_q <= mask_i;
        r_q <= route_only && (mask_i == '1);
        n_q <= ones(valid_i);
      end else begin
        d_q <= g_dly[s-1].d_q;
        v_q <= g_dly[s-1].v_q;
        m_q <= g_dly[s-1].m_q;
        r_q <= g_dly[s-1].r_q;
        n_q <= g_dly[s-1].n_q;
      end
    end
  end

`ifdef FORMAL
  // Start from reset (the RTL's registers have no initial value).
  initial assume (!rst_ni);

  always_comb begin
    if (COUNT == 0) begin
      a_data: assert (data_o == g_dly[T-1].d_q);
    end
    a_valid: assert (valid_o == (g_dly[T-1].v_q & g_dly[T-1].m_q));
    if (COUNT == 1 && g_dly[T-1].r_q) begin
      a_count: assert (ones(valid_o) == g_dly[T-1].n_q);
    end
  end
`endif

endmodule
